/**
 * Prometheus text exposition format 0.0.4 (what `/metrics` of the Karpenter controller serves) for
 * in-memory metric families such as KarpenterMetrics (src/autoscaling/karpenter/metrics.ts):
 *
 *   # HELP karpenter_nodeclaims_created_total Number of nodeclaims created …
 *   # TYPE karpenter_nodeclaims_created_total counter
 *   karpenter_nodeclaims_created_total{nodepool="default",reason="provisioned"} 1
 *
 * Families are printed in name order, series in label order; label values and HELP text escaped as
 * the format requires (`\\`, `\n`, and `"` in label values).
 */
export interface ExpositionFamily {
  readonly name: string;
  readonly type: "counter" | "gauge" | "untyped";
  readonly help: string;
  readonly values: ReadonlyMap<string, { labels: Readonly<Record<string, string>>; value: number }> | Iterable<{ labels: Readonly<Record<string, string>>; value: number }>;
}

export function escapeHelp(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

export function escapeLabelValue(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

/**
 * Go's strconv.FormatFloat(v, 'g', -1, 64), as client_golang writes sample values: the shortest
 * round-trip digits, in exponent form when the decimal exponent is < -4 or >= 6 ("1e+06", "2.5e-05").
 */
export function formatSampleValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const [mant, e] = v.toExponential().split("e");
  const exp = Number(e);
  if (exp < -4 || exp >= 6) return `${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  return String(v);
}

function labelsText(labels: Readonly<Record<string, string>>): string {
  const keys = Object.keys(labels).sort();
  if (!keys.length) return "";
  return `{${keys.map((k) => `${k}="${escapeLabelValue(labels[k]!)}"`).join(",")}}`;
}

/** The text exposition of these families. */
export function exposition(families: Iterable<ExpositionFamily>): string {
  const list = [...families].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let out = "";
  for (const f of list) {
    const series = [...(f.values instanceof Map ? f.values.values() : (f.values as Iterable<{ labels: Readonly<Record<string, string>>; value: number }>))]
      .map((s) => ({ text: labelsText(s.labels), value: s.value }))
      .sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
    if (!series.length) continue;
    if (f.help) out += `# HELP ${f.name} ${escapeHelp(f.help)}\n`;
    out += `# TYPE ${f.name} ${f.type}\n`;
    for (const s of series) out += `${f.name}${s.text} ${formatSampleValue(s.value)}\n`;
  }
  return out;
}
