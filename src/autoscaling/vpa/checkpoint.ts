/**
 * VerticalPodAutoscalerCheckpoint (autoscaling.k8s.io/v1, VPA 1.3): the recommender's persisted
 * aggregate state, one object per VPA and container named `<vpa>-<container>`
 * (pkg/recommender/checkpoint/checkpoint_writer.go, model/aggregate_container_state.go
 * SaveToCheckpoint / LoadFromCheckpoint, input/cluster_feeder.go InitFromCheckpoints /
 * GarbageCollectCheckpoints).
 *
 * - Status: both histograms (reference timestamp, bucket → integer weight with the largest at 10000,
 *   the real total weight), first/last sample start, total samples count, version "v3". Times are
 *   metav1.Time (RFC 3339, whole seconds); a zero time is null, as is the never-set lastUpdateTime.
 * - The memory peak of each container's current, unfinished aggregation window is subtracted from
 *   a copy before saving, so a restarted recommender does not count two peaks in one window.
 * - Orphans (checkpoints whose VPA is gone) are deleted by the garbage collection.
 */
import { kindInfo, registerKindInfo } from "../../api/kinds.js";
import type { KubeObject } from "../../api/meta.js";
import type { Store } from "../../api/store.js";
import type { HistogramCheckpointData } from "./histogram.js";
import { AggregateState, type ContainerState, type RecommenderConfig } from "./model.js";

export const CHECKPOINT_KIND = "VerticalPodAutoscalerCheckpoint";
/** model.SupportedCheckpointVersion. */
export const CHECKPOINT_VERSION = "v3";

export interface HistogramCheckpoint {
  referenceTimestamp: string | null;
  bucketWeights: Record<string, number>;
  totalWeight: number;
}

export interface CheckpointStatus {
  lastUpdateTime: string | null;
  version: string;
  cpuHistogram: HistogramCheckpoint;
  memoryHistogram: HistogramCheckpoint;
  firstSampleStart: string | null;
  lastSampleStart: string | null;
  totalSamplesCount?: number;
}

export interface CheckpointObject extends KubeObject {
  spec: { vpaObjectName?: string; containerName?: string };
  status?: CheckpointStatus;
}

/** Virtual ms ↔ RFC 3339 (the clock's iso / parseIso). */
export interface TimeCodec {
  iso(t: number): string;
  parseIso(s: string): number;
}

/** The CRD verticalpodautoscalercheckpoints.autoscaling.k8s.io: short name vpacheckpoint, no printer columns, no status subresource. */
export function registerCheckpointKindInfo(): void {
  if (!kindInfo(CHECKPOINT_KIND)) {
    registerKindInfo({
      kind: CHECKPOINT_KIND,
      group: "autoscaling.k8s.io",
      version: "v1",
      plural: "verticalpodautoscalercheckpoints",
      singular: "verticalpodautoscalercheckpoint",
      namespaced: true,
      shortNames: ["vpacheckpoint"],
      // Without a status subresource the status is written through the main resource.
      generation: false,
    });
  }
}
registerCheckpointKindInfo();

function histogramCheckpoint(data: HistogramCheckpointData & { referenceMs?: number }, time: TimeCodec): HistogramCheckpoint {
  return { referenceTimestamp: data.referenceMs === undefined ? null : time.iso(data.referenceMs), bucketWeights: data.bucketWeights, totalWeight: data.totalWeight };
}

/** AggregateContainerState.SaveToCheckpoint. */
export function saveAggregate(agg: AggregateState, time: TimeCodec): CheckpointStatus {
  const memory = agg.memory.saveToCheckpoint();
  const cpu = agg.cpu.saveToCheckpoint();
  return {
    lastUpdateTime: null,
    version: CHECKPOINT_VERSION,
    cpuHistogram: histogramCheckpoint(cpu, time),
    memoryHistogram: histogramCheckpoint(memory, time),
    firstSampleStart: Number.isFinite(agg.firstSampleStart) ? time.iso(agg.firstSampleStart) : null,
    lastSampleStart: Number.isFinite(agg.lastSampleStart) ? time.iso(agg.lastSampleStart) : null,
    ...(agg.totalSamplesCount !== 0 ? { totalSamplesCount: agg.totalSamplesCount } : {}),
  };
}

function histogramData(h: HistogramCheckpoint | undefined, time: TimeCodec): HistogramCheckpointData & { referenceMs?: number } {
  return {
    bucketWeights: h?.bucketWeights ?? {},
    totalWeight: h?.totalWeight ?? 0,
    ...(h?.referenceTimestamp ? { referenceMs: time.parseIso(h.referenceTimestamp) } : {}),
  };
}

/** A new AggregateState loaded from a checkpoint (AggregateContainerState.LoadFromCheckpoint). */
export function loadAggregate(status: CheckpointStatus, config: Readonly<RecommenderConfig>, epochMs: number, time: TimeCodec): AggregateState {
  if (status.version !== CHECKPOINT_VERSION) throw new Error(`unsupported checkpoint version ${status.version ?? ""}`);
  const agg = new AggregateState(config, epochMs);
  agg.totalSamplesCount = status.totalSamplesCount ?? 0;
  agg.firstSampleStart = status.firstSampleStart ? time.parseIso(status.firstSampleStart) : -Infinity;
  agg.lastSampleStart = status.lastSampleStart ? time.parseIso(status.lastSampleStart) : -Infinity;
  agg.memory.loadFromCheckpoint(histogramData(status.memoryHistogram, time));
  agg.cpu.loadFromCheckpoint(histogramData(status.cpuHistogram, time));
  return agg;
}

/**
 * buildAggregateContainerStateMap for one container name: a copy of the aggregate without the
 * current (unfinished) window's peak of each live container (subtractCurrentContainerMemoryPeak).
 */
export function aggregateForCheckpoint(agg: AggregateState, containers: Iterable<ContainerState>, now: number): AggregateState {
  const copy = agg.clone();
  for (const c of containers) {
    if (c.windowEnd !== undefined && now < c.windowEnd) copy.subtractMemoryPeak(Math.max(c.memoryPeak, c.oomPeak), c.windowEnd);
  }
  return copy;
}

/** CreateOrUpdateVpaCheckpoint: replace the status of `<vpa>-<container>`, creating it when missing. */
export function writeCheckpoint(store: Store, namespace: string, vpaName: string, container: string, status: CheckpointStatus): void {
  const name = `${vpaName}-${container}`;
  if (store.get(CHECKPOINT_KIND, namespace, name)) {
    store.mutate<CheckpointObject>(CHECKPOINT_KIND, namespace, name, (cp) => {
      cp.status = status;
    });
    return;
  }
  store.create<CheckpointObject>({
    apiVersion: "autoscaling.k8s.io/v1",
    kind: CHECKPOINT_KIND,
    metadata: { name, namespace },
    spec: { containerName: container, vpaObjectName: vpaName },
    status,
  });
}

/** GarbageCollectCheckpoints: delete checkpoints whose VPA no longer exists; returns their names. */
export function garbageCollectCheckpoints(store: Store, vpaExists: (namespace: string, name: string) => boolean): string[] {
  const deleted: string[] = [];
  for (const cp of store.list<CheckpointObject>(CHECKPOINT_KIND)) {
    const ns = cp.metadata.namespace ?? "default";
    if (vpaExists(ns, cp.spec?.vpaObjectName ?? "")) continue;
    store.delete(CHECKPOINT_KIND, ns, cp.metadata.name!);
    deleted.push(`${ns}/${cp.metadata.name}`);
  }
  return deleted;
}
