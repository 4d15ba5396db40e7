/** k8sclient.ClusterStatus: what one CPA poll counts (spec §2). */
export interface ClusterStatus {
  /** All listed nodes (after the --nodelabels filter). */
  totalNodes: number;
  /** Nodes with spec.unschedulable false and Ready=True. */
  schedulableNodes: number;
  /** Sum of status.allocatable.cpu over all listed nodes, rounded up to whole cores. */
  totalCores: number;
  /** The same over schedulable nodes. */
  schedulableCores: number;
}

/** includeUnschedulableNodes picks the total pair, otherwise the schedulable pair. */
export function countsFor(status: ClusterStatus, includeUnschedulableNodes: boolean): { nodes: number; cores: number } {
  return includeUnschedulableNodes
    ? { nodes: status.totalNodes, cores: status.totalCores }
    : { nodes: status.schedulableNodes, cores: status.schedulableCores };
}
