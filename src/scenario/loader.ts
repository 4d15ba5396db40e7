/**
 * Scenario files: one multi-document YAML file holding a `kind: Scenario` document
 * (apiVersion scalelab.dev/v1alpha1) and ordinary Kubernetes manifests (also `kind: List`), exactly
 * as users apply them to EKS. See docs/scenario-format.md.
 *
 * Every problem with the input is a ScenarioError naming file, document, line, field and reason.
 */
import { readFileSync, statSync } from "node:fs";
import { basename, dirname, extname, isAbsolute, join } from "node:path";
import { LineCounter, parseAllDocuments, type Document } from "yaml";
import { ScenarioError } from "./errors.js";
// The CRD kinds we serve (Karpenter's NodePool, NodeClaim, EC2NodeClass; VPA; KEDA's ScaledObject,
// ScaledJob, TriggerAuthentication): registering them on import lets manifests of those kinds pass
// the loader's kind check without the simulation loaded.
import "../autoscaling/karpenter/api.js";
import "../autoscaling/vpa/api.js";
import "../autoscaling/keda/api.js";
import { checkManifest, type LoadedObject } from "./manifests.js";
import { chunkRelativeLine, registerSource, separatorLinesOf, type SourceFile } from "./positions.js";
import { parseScenarioDoc, SCENARIO_API_VERSION, SCENARIO_KIND } from "./schema.js";
import { parseTimeline } from "./timeline.js";
import type { Scenario } from "./types.js";
import { DocContext, isPlainObject } from "./validate.js";

export { ScenarioError } from "./errors.js";
export { locate, locateSource, describeSource } from "./positions.js";

/** go-yaml's wording for the yaml package's error codes (what kubectl prints for the same mistake). */
const GO_YAML_MESSAGES: Record<string, string> = {
  TAB_AS_INDENT: "found character that cannot start any token",
  BLOCK_AS_IMPLICIT_KEY: "mapping values are not allowed in this context",
  BAD_INDENT: "did not find expected key",
  MISSING_CHAR: "found unexpected end of stream",
  MULTILINE_IMPLICIT_KEY: "could not find expected ':'",
  UNEXPECTED_TOKEN: "did not find expected node content",
  BAD_SCALAR_START: "found character that cannot start any token",
  BAD_DIRECTIVE: "found unknown directive name",
  BAD_DQ_ESCAPE: "found unknown escape character while parsing a quoted scalar",
  BLOCK_IN_FLOW: "did not find expected ',' or ']'",
  MULTIPLE_ANCHORS: "did not find expected node content",
  MULTIPLE_TAGS: "did not find expected node content",
  MISSING_ANCHOR: "unknown anchor referenced",
};

export interface ParsedYamlFile {
  sf: SourceFile;
  /** JS value of each document (undefined for an empty document). */
  values: unknown[];
}

/** Parse a multi-document YAML text; YAML syntax errors become ScenarioErrors worded like kubectl's. */
export function parseYamlText(text: string, file: string): ParsedYamlFile {
  const lineCounter = new LineCounter();
  let parsed: ReturnType<typeof parseAllDocuments>;
  try {
    parsed = parseAllDocuments(text, { lineCounter, merge: true, prettyErrors: false });
  } catch (e) {
    throw new ScenarioError(file, 0, 0, "", `error converting YAML to JSON: ${(e as Error).message}`);
  }
  const docs = (Array.isArray(parsed) ? parsed : []) as Document.Parsed[];
  const sf: SourceFile = { file, lineCounter, docs, separatorLines: separatorLinesOf(text) };
  registerSource(sf);
  const values: unknown[] = [];
  docs.forEach((doc, i) => {
    const err = doc.errors[0];
    if (err) {
      const line = err.linePos?.[0]?.line ?? lineCounter.linePos(err.pos[0]).line;
      const rel = chunkRelativeLine(sf, line);
      let reason: string;
      if (err.code === "DUPLICATE_KEY") {
        const m = /^("[^"\n]*"|'[^'\n]*'|[^:\n]*)/.exec(text.slice(err.pos[0]));
        const key = (m?.[1] ?? "").trim().replace(/^["']|["']$/g, "");
        reason = `error converting YAML to JSON: yaml: unmarshal errors:\n  line ${rel}: key ${JSON.stringify(key)} already set in map`;
      } else {
        const go = GO_YAML_MESSAGES[err.code] ?? err.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, "").toLowerCase();
        reason = `error converting YAML to JSON: yaml: line ${rel}: ${go}`;
      }
      throw new ScenarioError(file, i + 1, line, "", reason);
    }
    try {
      const v = doc.contents === null ? undefined : doc.toJS({ maxAliasCount: 1000 });
      values.push(v === null ? undefined : v);
    } catch (e) {
      const line = lineCounter.linePos(doc.range[0]).line;
      throw new ScenarioError(file, i + 1, line, "", `error converting YAML to JSON: yaml: ${(e as Error).message}`);
    }
  });
  return { sf, values };
}

function isScenarioDoc(v: unknown): boolean {
  return isPlainObject(v) && v.kind === SCENARIO_KIND && typeof v.apiVersion === "string" && v.apiVersion.startsWith("scalelab.dev/");
}

export interface LoadOptions {
  /** Directory that relative paths (`kubectl apply -f x.yaml`) resolve against (default: the file's). */
  baseDir?: string;
  /** Read a file (default: fs.readFileSync as UTF-8). Throws like fs does. */
  readFile?: (path: string) => string;
}

function defaultRead(path: string): string {
  return readFileSync(path, "utf8");
}

/** Read a file for the loader, turning I/O errors into kubectl's wording. */
export function readInput(path: string, read: (p: string) => string = defaultRead, from?: { file: string; document: number; line: number; field: string }): string {
  try {
    if (read === defaultRead && statSync(path).isDirectory()) {
      throw new ScenarioError(from?.file ?? path, from?.document ?? 0, from?.line ?? 0, from?.field ?? "", `error reading ${JSON.stringify(path)}: is a directory`);
    }
    return read(path);
  } catch (e) {
    if (e instanceof ScenarioError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? `the path ${JSON.stringify(path)} does not exist` : `error reading ${JSON.stringify(path)}: ${(e as Error).message}`;
    throw new ScenarioError(from?.file ?? path, from?.document ?? 0, from?.line ?? 0, from?.field ?? "", reason);
  }
}

/** Load a scenario file from disk. */
export function loadScenarioFile(path: string, opts: LoadOptions = {}): Scenario {
  const text = readInput(path, opts.readFile);
  return loadScenarioText(text, path, { baseDir: opts.baseDir ?? dirname(path), readFile: opts.readFile });
}

/** Load a scenario from text; `file` names it in messages (and anchors relative paths by default). */
export function loadScenarioText(text: string, file: string, opts: LoadOptions = {}): Scenario {
  const { sf, values } = parseYamlText(text, file);
  const baseDir = opts.baseDir ?? dirname(file);
  const read = opts.readFile ?? defaultRead;

  let scenarioDoc = 0;
  values.forEach((v, i) => {
    if (!isScenarioDoc(v)) return;
    const ctx = new DocContext(sf, i + 1);
    const av = (v as Record<string, unknown>).apiVersion as string;
    if (av !== SCENARIO_API_VERSION) {
      ctx.fail(["apiVersion"], `no matches for kind "${SCENARIO_KIND}" in version ${JSON.stringify(av)} (supported: ${JSON.stringify(SCENARIO_API_VERSION)})`);
    }
    if (scenarioDoc) ctx.fail(["kind"], `Duplicate value: "Scenario": a scenario file holds one kind: Scenario document (the first is document ${scenarioDoc})`);
    scenarioDoc = i + 1;
  });

  if (!scenarioDoc && values.every((v) => v === undefined || v === null)) {
    // As `kubectl apply -f empty.yaml` says it.
    throw new ScenarioError(file, 0, 0, "", "no objects passed to run: the file has no Scenario document and no manifests");
  }
  const defaultName = basename(file, extname(file)) || "scenario";
  const parsed = scenarioDoc
    ? parseScenarioDoc(new DocContext(sf, scenarioDoc), values[scenarioDoc - 1], defaultName)
    : parseScenarioDoc(new DocContext(sf, 1), {}, defaultName);

  const objects: LoadedObject[] = [];
  values.forEach((v, i) => {
    if (v === undefined || i + 1 === scenarioDoc) return;
    objects.push(...checkManifest(new DocContext(sf, i + 1), v));
  });

  const timeline = parseTimeline(scenarioDoc ? new DocContext(sf, scenarioDoc) : new DocContext(sf, 1), parsed.rawTimeline, {
    durationMs: parsed.spec.durationMs,
    load: parsed.spec.load,
    loadManifests: (path, from) => loadManifestFile(isAbsolute(path) ? path : join(baseDir, path), read, from),
  });

  return { spec: { ...parsed.spec, timeline }, objects, file };
}

/** The manifests of a plain YAML file (`kubectl apply -f file`); a Scenario document there is an error. */
export function loadManifestFile(
  path: string,
  read: (p: string) => string = defaultRead,
  from?: { file: string; document: number; line: number; field: string },
): LoadedObject[] {
  const text = readInput(path, read, from);
  return loadManifestText(text, path);
}

export function loadManifestText(text: string, file: string): LoadedObject[] {
  const { sf, values } = parseYamlText(text, file);
  const out: LoadedObject[] = [];
  values.forEach((v, i) => {
    if (v === undefined) return;
    const ctx = new DocContext(sf, i + 1);
    if (isScenarioDoc(v)) ctx.fail(["kind"], "a kind: Scenario document cannot be applied from the timeline");
    out.push(...checkManifest(ctx, v));
  });
  return out;
}
