import { describe, expect, it } from "vitest";
import { exposition, formatSampleValue } from "./prometheus.js";

describe("Prometheus text exposition", () => {
  it("formats sample values as Go's FormatFloat(v, 'g', -1, 64)", () => {
    // Values as client_golang prints them (e.g. process_resident_memory_bytes 2.4e+07).
    expect(formatSampleValue(1)).toBe("1");
    expect(formatSampleValue(999999)).toBe("999999");
    expect(formatSampleValue(1e6)).toBe("1e+06");
    expect(formatSampleValue(24000000)).toBe("2.4e+07");
    expect(formatSampleValue(0.0001)).toBe("0.0001");
    expect(formatSampleValue(0.000025)).toBe("2.5e-05");
    expect(formatSampleValue(0.344)).toBe("0.344");
    expect(formatSampleValue(NaN)).toBe("NaN");
    expect(formatSampleValue(Infinity)).toBe("+Inf");
  });

  it("prints HELP, TYPE and sorted series with escaped label values", () => {
    const families = [
      {
        name: "karpenter_nodeclaims_created_total",
        type: "counter" as const,
        help: "Number of nodeclaims created in total by Karpenter.",
        values: new Map([
          ["b", { labels: { reason: "provisioned", nodepool: "default" }, value: 2 }],
          ["a", { labels: { reason: "underutilized", nodepool: "default" }, value: 1 }],
        ]),
      },
      { name: "karpenter_cluster_state_synced", type: "gauge" as const, help: "", values: [{ labels: {}, value: 1 }] },
      { name: "karpenter_empty", type: "gauge" as const, help: "x", values: [] },
      { name: "karpenter_pods_state", type: "gauge" as const, help: 'a\\b\nc', values: [{ labels: { name: 'x"y\\z\n' }, value: 1 }] },
    ];
    expect(exposition(families)).toBe(
      [
        "# TYPE karpenter_cluster_state_synced gauge",
        "karpenter_cluster_state_synced 1",
        "# HELP karpenter_nodeclaims_created_total Number of nodeclaims created in total by Karpenter.",
        "# TYPE karpenter_nodeclaims_created_total counter",
        'karpenter_nodeclaims_created_total{nodepool="default",reason="provisioned"} 2',
        'karpenter_nodeclaims_created_total{nodepool="default",reason="underutilized"} 1',
        "# HELP karpenter_pods_state a\\\\b\\nc",
        "# TYPE karpenter_pods_state gauge",
        'karpenter_pods_state{name="x\\"y\\\\z\\n"} 1',
        "",
      ].join("\n"),
    );
  });
});
