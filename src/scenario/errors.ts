/**
 * The one error type the scenario loader throws for user input. Its message always names the file,
 * the document number (1-based, counting `---`-separated documents), the line (1-based, counted
 * from the top of the file), the field path where one applies, and the reason, worded like kubectl /
 * kube-apiserver where they have a wording:
 *
 *   examples/x.yaml: document 2, line 19: spec.template.spec.containers[0].resources.requests[cpu]: Invalid value: "abc": quantities must match …
 */
export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    /** 1-based document number, 0 when the error is not tied to a document (unreadable file). */
    readonly document: number,
    /** 1-based line in the file, 0 when unknown. */
    readonly line: number,
    /** Field path (`spec.nodeGroups[0].max`), "" when none. */
    readonly field: string,
    /** The reason without position or field. */
    readonly reason: string,
    /** False when the reason already names the field (`unknown field "spec.x"`). */
    showField = true,
  ) {
    super(formatScenarioMessage(file, document, line, showField ? field : "", reason));
    this.name = "ScenarioError";
  }
}

export function formatScenarioMessage(file: string, document: number, line: number, field: string, reason: string): string {
  const where: string[] = [];
  if (document > 0) where.push(`document ${document}`);
  if (line > 0) where.push(`line ${line}`);
  const pos = where.length ? `${file}: ${where.join(", ")}` : file;
  return field ? `${pos}: ${field}: ${reason}` : `${pos}: ${reason}`;
}

export function isScenarioError(e: unknown): e is ScenarioError {
  return e instanceof ScenarioError;
}

/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const m = a.length;
  const n = b.length;
  let prev = new Array<number>(n + 1);
  let cur = new Array<number>(n + 1);
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[n];
}

/** The closest candidate within a small edit distance (case-insensitive), or undefined. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const w = word.toLowerCase();
  for (const c of candidates) {
    const cl = c.toLowerCase();
    const d = editDistance(w, cl);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  const limit = Math.max(2, Math.floor(w.length / 3));
  return best !== undefined && bestD <= limit ? best : undefined;
}
