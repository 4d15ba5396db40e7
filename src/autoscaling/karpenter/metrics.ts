/**
 * Karpenter's Prometheus metrics as plain in-memory counters and gauges, named as upstream
 * (`karpenter_*`, spec §8). Controllers increment them; the observability layer exposes them.
 * Label sets are stored as sorted `k="v"` strings so the exposition format can print them directly.
 */
export type Labels = Readonly<Record<string, string>>;

export function labelKey(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  let out = "";
  for (const k of keys) out += (out ? "," : "") + `${k}="${labels[k]}"`;
  return out;
}

export class MetricFamily {
  readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly type: "counter" | "gauge",
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const k = labelKey(labels);
    const cur = this.values.get(k);
    if (cur) cur.value += by;
    else this.values.set(k, { labels: { ...labels }, value: by });
  }

  set(labels: Labels, value: number): void {
    const k = labelKey(labels);
    const cur = this.values.get(k);
    if (cur) cur.value = value;
    else this.values.set(k, { labels: { ...labels }, value });
  }

  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels))?.value ?? 0;
  }

  /** Sum over every series whose labels include `match`. */
  sum(match: Labels = {}): number {
    let s = 0;
    outer: for (const v of this.values.values()) {
      for (const k in match) if (v.labels[k] !== match[k]) continue outer;
      s += v.value;
    }
    return s;
  }
}

export class KarpenterMetrics {
  private readonly families = new Map<string, MetricFamily>();

  family(name: string, type: "counter" | "gauge", help = ""): MetricFamily {
    let f = this.families.get(name);
    if (!f) this.families.set(name, (f = new MetricFamily(name, type, help)));
    return f;
  }

  all(): MetricFamily[] {
    return [...this.families.values()];
  }

  // ---- NodeClaims
  readonly nodeClaimsCreated = this.family("karpenter_nodeclaims_created_total", "counter", "Number of nodeclaims created in total by Karpenter. Labeled by reason the nodeclaim was created and the owning nodepool.");
  readonly nodeClaimsTerminated = this.family("karpenter_nodeclaims_terminated_total", "counter", "Number of nodeclaims terminated in total by Karpenter. Labeled by the owning nodepool.");
  readonly nodeClaimsDisrupted = this.family("karpenter_nodeclaims_disrupted_total", "counter", "Number of nodeclaims disrupted in total by Karpenter. Labeled by reason the nodeclaim was disrupted and the owning nodepool.");
  // ---- Disruption
  readonly disruptionDecisions = this.family("karpenter_voluntary_disruption_decisions_total", "counter", "Number of disruption decisions performed. Labeled by disruption decision, reason, and consolidation type.");
  readonly disruptionEligibleNodes = this.family("karpenter_voluntary_disruption_eligible_nodes", "gauge", "Number of nodes eligible for disruption by Karpenter. Labeled by disruption reason.");
  readonly disruptionFailedValidations = this.family("karpenter_voluntary_disruption_failed_validations_total", "counter", "Number of candidates that were selected for disruption but failed validation. Labeled by consolidation type.");
  readonly disruptionConsolidationTimeouts = this.family("karpenter_voluntary_disruption_consolidation_timeouts_total", "counter", "Number of times the Consolidation algorithm has reached a timeout. Labeled by consolidation type.");
  readonly disruptionQueueFailures = this.family("karpenter_voluntary_disruption_queue_failures_total", "counter", "The number of times that an enqueued disruption decision failed. Labeled by disruption method.");
  readonly disruptionEvaluationDurationSum = this.family("karpenter_voluntary_disruption_decision_evaluation_duration_seconds_sum", "counter", "Duration of the disruption decision evaluation process in seconds (virtual). Labeled by method and consolidation type.");
  // ---- Cloud provider (set from every GetInstanceTypes result, offering-metrics.ts)
  readonly instanceTypeOfferingAvailable = this.family("karpenter_cloudprovider_instance_type_offering_available", "gauge", "Instance type offering availability, based on instance type, capacity type, and zone");
  readonly instanceTypeOfferingPriceEstimate = this.family(
    "karpenter_cloudprovider_instance_type_offering_price_estimate",
    "gauge",
    "Instance type offering estimated hourly price used when making informed decisions on node cost calculation, based on instance type, capacity type, and zone.",
  );
  // ---- NodePools
  readonly nodePoolAllowedDisruptions = this.family("karpenter_nodepools_allowed_disruptions", "gauge", "The number of nodes for a given NodePool that can be concurrently disrupting at a point in time. Labeled by NodePool.");
}

/** Service key under which the one KarpenterMetrics instance lives in ControllerContext.services. */
export const KARPENTER_METRICS_SERVICE = "karpenter-metrics";

export function karpenterMetrics(services: Map<string, unknown>): KarpenterMetrics {
  let m = services.get(KARPENTER_METRICS_SERVICE) as KarpenterMetrics | undefined;
  if (!m) services.set(KARPENTER_METRICS_SERVICE, (m = new KarpenterMetrics()));
  return m;
}
