/**
 * Which recorded events and log lines are a controller's scaling action, and which say a pod was
 * disrupted. The autoscalers already say what they do in upstream's words; the summary counts those
 * words rather than asking the controllers, so it works for any run, `serve` included.
 *
 * | controller          | action       | counted from                                                           |
 * |---------------------|--------------|------------------------------------------------------------------------|
 * | hpa                 | rescale      | SuccessfulRescale (horizontal-pod-autoscaler; KEDA's HPAs too)         |
 * | keda                | activate     | KEDAScaleTargetActivated (0 → minReplicas or 1)                        |
 * | keda                | deactivate   | KEDAScaleTargetDeactivated (→ 0)                                       |
 * | keda                | jobs         | KEDAJobsCreated "Created N jobs": N                                    |
 * | vpa                 | evict        | EvictedByVPA (vpa-updater)                                             |
 * | cluster-autoscaler  | scaleUp      | ScaledUpGroup (one per node group resized)                             |
 * | cluster-autoscaler  | scaleDown    | ScaleDown on a Node "marked the node as toBeDeleted/unschedulable"     |
 * | karpenter           | launch       | a Node carrying karpenter.sh/nodepool joins                            |
 * | karpenter           | disrupt      | DisruptionTerminating on a NodeClaim (drift, emptiness, consolidation) |
 * | karpenter           | interruption | TerminatingOnInterruption on a NodeClaim                               |
 * | cpa                 | resize       | log "Replicas are not as expected : updating replicas from …"         |
 */

export interface ScaleAction {
  controller: string;
  action: string;
  n: number;
}

const JOBS_CREATED_RE = /^Created (\d+) jobs$/;
const CPA_RESIZE_PREFIX = "Replicas are not as expected : updating replicas from ";

export function scaleActionOfEvent(component: string, reason: string, kind: string, message: string): ScaleAction | undefined {
  switch (reason) {
    case "SuccessfulRescale":
      return component === "horizontal-pod-autoscaler" ? { controller: "hpa", action: "rescale", n: 1 } : undefined;
    case "KEDAScaleTargetActivated":
      return { controller: "keda", action: "activate", n: 1 };
    case "KEDAScaleTargetDeactivated":
      return { controller: "keda", action: "deactivate", n: 1 };
    case "KEDAJobsCreated": {
      const m = JOBS_CREATED_RE.exec(message);
      return m ? { controller: "keda", action: "jobs", n: Number(m[1]) } : undefined;
    }
    case "EvictedByVPA":
      return kind === "Pod" ? { controller: "vpa", action: "evict", n: 1 } : undefined;
    case "ScaledUpGroup":
      return component === "cluster-autoscaler" ? { controller: "cluster-autoscaler", action: "scaleUp", n: 1 } : undefined;
    case "ScaleDown":
      // The Node gets two ScaleDown events (marked, then removed); count the decision once.
      return component === "cluster-autoscaler" && kind === "Node" && message.startsWith("marked the node")
        ? { controller: "cluster-autoscaler", action: "scaleDown", n: 1 }
        : undefined;
    case "DisruptionTerminating":
      return kind === "NodeClaim" ? { controller: "karpenter", action: "disrupt", n: 1 } : undefined;
    case "TerminatingOnInterruption":
      return kind === "NodeClaim" ? { controller: "karpenter", action: "interruption", n: 1 } : undefined;
  }
  return undefined;
}

export function scaleActionOfLog(message: string): ScaleAction | undefined {
  return message.startsWith(CPA_RESIZE_PREFIX) ? { controller: "cpa", action: "resize", n: 1 } : undefined;
}

/**
 * Pod events that mean the pod was taken away from a running workload: evicted (kubelet node
 * pressure, Karpenter's drain), evicted by the VPA updater, preempted by the scheduler, or deleted by
 * the Cluster Autoscaler's drain.
 */
export function podDisruptionOfEvent(reason: string, kind: string): string | undefined {
  if (kind !== "Pod") return undefined;
  return reason === "Evicted" || reason === "EvictedByVPA" || reason === "Preempted" || reason === "ScaleDown" ? reason : undefined;
}

/** PodGC marks the pods of a vanished node Failed with DisruptionTarget/DeletionByPodGC before deleting them. */
export function disruptedByPodGC(pod: { status?: { conditions?: Array<{ type?: string; status?: string; reason?: string }> } }): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === "DisruptionTarget" && c.status === "True" && c.reason === "DeletionByPodGC");
}
