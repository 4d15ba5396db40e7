/**
 * The scenario timeline: user actions at virtual times, written either as kubectl one-liners
 * (`run: kubectl scale deployment/php-apache --replicas=3`; the `kubectl` prefix is optional) or in
 * structured form (`apply:`, `delete:`, `scale:`, `patch:`, `startLoad:`, `stopLoad:`, `setLoad:`, `interrupt:`, `scaleNodeGroup:`).
 *
 * kubectl commands understood (flags as kubectl 1.32 spells them; -n/--namespace anywhere):
 *   scale TYPE NAME|TYPE/NAME --replicas=N
 *   autoscale TYPE NAME|TYPE/NAME --max=N [--min=N] [--cpu-percent=N] [--name=X]   → autoscaling/v1 HPA
 *   delete TYPE NAME...|TYPE/NAME... | delete -f FILE
 *   apply -f FILE...                    (paths relative to the scenario file)
 *   patch TYPE NAME|TYPE/NAME -p PATCH [--type=strategic|merge|json] | --patch-file FILE
 *   run NAME --image=IMG [--restart=Always|OnFailure|Never] [--rm] [-i] [-t] [--labels=k=v,...] [--env=K=V] [--command] [-- ARGS...]
 *       `run load-generator --image=busybox -- /bin/sh -c "while sleep 0.01; do wget -q -O- http://php-apache; done"`
 *       (the EKS/Kubernetes HPA lab idiom: a wget/curl loop against a Service) also starts a
 *       closed-loop load generator named after the pod (1 client, think time = the sleep), and a later
 *       `delete pod NAME` sets its stop time.
 */
import { apiVersionOf, resolveResource, type KindInfo } from "../api/kinds.js";
import type { KubeObject } from "../api/meta.js";
import { formatDuration } from "../core/duration.js";
import { parse as parseYaml } from "yaml";
import type { LoadGeneratorSpec } from "../workload/types.js";
import { didYouMean } from "./errors.js";
import { checkManifest, type LoadedObject } from "./manifests.js";
import { DEFAULTS } from "./schema.js";
import { loadLoop } from "../workload/shell-loop.js";
import { sourceRef } from "./positions.js";
import type { TimelineAction, TimelineEntry } from "./types.js";
import { duration, int, isPlainObject, num, obj, oneOf, optStr, render, required, str, type DocContext, type Path } from "./validate.js";

export interface TimelineOptions {
  durationMs: number;
  /** The scenario's load generators; generators started by `kubectl run` are appended. */
  load: LoadGeneratorSpec[];
  /** Read the manifests of a file named by `kubectl apply -f` / `delete -f` (path as written). */
  loadManifests(path: string, from: { file: string; document: number; line: number; field: string }): LoadedObject[];
}

const ENTRY_FIELDS = ["at", "note", "run", "apply", "delete", "scale", "patch", "startLoad", "stopLoad", "setLoad", "interrupt", "scaleNodeGroup"];
const ACTION_FIELDS = ENTRY_FIELDS.slice(2);

/** A kubectl usage error: becomes `spec.timeline[i].run: Invalid value: "<text>": error: <message>`. */
class KubectlError extends Error {}

/** Parse `spec.timeline` (the raw list) of the Scenario document `ctx`. Entries come back sorted by time (stable). */
export function parseTimeline(ctx: DocContext, raw: readonly unknown[], opts: TimelineOptions): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  const runLoads = new Map<string, LoadGeneratorSpec>(); // "ns/pod" → generator started by kubectl run
  const loadRefs: Array<{ name: string; path: Path; entry: TimelineEntry }> = [];

  raw.forEach((r, i) => {
    const path: Path = ["spec", "timeline", i];
    const e = obj(ctx, r, path, ENTRY_FIELDS);
    const atMs = duration(ctx, required(ctx, e, path, "at"), [...path, "at"]);
    if (atMs > opts.durationMs) {
      ctx.fail([...path, "at"], `Invalid value: ${render(e.at)}: must not be after spec.duration (${formatDuration(opts.durationMs)})`);
    }
    if (e.note !== undefined) optStr(ctx, e.note, [...path, "note"]);
    const keys = ACTION_FIELDS.filter((k) => e[k] !== undefined);
    if (keys.length === 0) ctx.fail(path, `Required value: one of ${ACTION_FIELDS.map((k) => `"${k}"`).join(", ")}`);
    if (keys.length > 1) ctx.fail([...path, keys[1]], `Forbidden: only one action per timeline entry (already "${keys[0]}")`);
    const key = keys[0];
    const atText = typeof e.at === "number" ? `${e.at}s` : String(e.at);
    const label = (text: string) => `spec.timeline[${i}] at ${atText}: ${text}`;
    const src = (text: string) => sourceRef(ctx.file, ctx.document, path, label(text));
    const push = (action: TimelineAction) => {
      const entry = { atMs, action };
      entries.push(entry);
      return entry;
    };
    const v = e[key];
    const P = [...path, key];

    switch (key) {
      case "run": {
        const text = str(ctx, v, P);
        let actions: TimelineAction[];
        try {
          actions = parseKubectl(text, {
            source: src(text),
            atMs,
            loadManifests: (file, flagField) => opts.loadManifests(file, { file: ctx.file, document: ctx.document, line: ctx.lineOf(P), field: ctx.field(P) + flagField }),
            onRunLoad: (gen, podNamespace) => {
              if (opts.load.some((l) => l.name === gen.name)) {
                throw new KubectlError(`a load generator named ${JSON.stringify(gen.name)} is already defined in spec.load`);
              }
              opts.load.push(gen);
              runLoads.set(`${podNamespace}/${gen.name}`, gen);
            },
          });
        } catch (err) {
          if (err instanceof KubectlError) ctx.fail(P, `Invalid value: ${render(text)}: error: ${err.message}`);
          throw err;
        }
        for (const a of actions) {
          push(a);
          // `kubectl delete pod load-generator` ends the load that `kubectl run load-generator` started
          if (a.type === "delete" && a.kind === "Pod") {
            const gen = runLoads.get(`${a.namespace ?? "default"}/${a.name}`);
            if (gen && gen.stopMs === undefined && atMs > gen.startMs) gen.stopMs = atMs;
          }
        }
        break;
      }
      case "apply": {
        const list = Array.isArray(v) ? v : [v];
        const objects: KubeObject[] = [];
        list.forEach((m, j) => {
          const mctx = ctx.object(Array.isArray(v) ? [...P, j] : P);
          for (const lo of checkManifest(mctx, m)) objects.push(lo.object);
        });
        if (objects.length === 0) ctx.fail(P, "Required value: at least one manifest");
        push({ type: "apply", objects, source: src(`apply ${objects.map((o) => `${o.kind.toLowerCase()}/${o.metadata.name ?? o.metadata.generateName}`).join(", ")}`) });
        break;
      }
      case "delete": {
        const t = structuredTarget(ctx, v, P, false);
        push({ type: "delete", kind: t.kind.kind, namespace: t.namespace, name: t.name, source: src(`delete ${t.text}`) });
        break;
      }
      case "scale": {
        const t = structuredTarget(ctx, v, P, true, ["replicas"]);
        if (!SCALABLE.has(t.kind.kind)) ctx.fail([...P, "target"], `Invalid value: ${render(t.text)}: cannot scale a ${t.kind.kind}`);
        const replicas = int(ctx, required(ctx, v as Record<string, unknown>, P, "replicas"), [...P, "replicas"], 0);
        push({ type: "scale", kind: t.kind.kind, namespace: t.namespace, name: t.name, replicas, source: src(`scale ${t.text} --replicas=${replicas}`) });
        break;
      }
      case "patch": {
        const t = structuredTarget(ctx, v, P, true, ["patch", "type"]);
        const o = v as Record<string, unknown>;
        const patchType = o.type === undefined ? "strategic" : oneOf(ctx, o.type, [...P, "type"], ["strategic", "merge", "json"] as const);
        let patch = required(ctx, o, P, "patch");
        if (typeof patch === "string") {
          try {
            patch = parseYaml(patch);
          } catch (err) {
            ctx.fail([...P, "patch"], `Invalid value: ${render(patch)}: unable to parse: ${(err as Error).message.split("\n")[0]}`);
          }
        }
        checkPatchShape(patch, patchType, (msg) => ctx.fail([...P, "patch"], msg));
        push({ type: "patch", kind: t.kind.kind, namespace: t.namespace, name: t.name, patch, patchType, source: src(`patch ${t.text} --type=${patchType}`) });
        break;
      }
      case "startLoad":
      case "stopLoad": {
        const name = str(ctx, v, P);
        const entry = push({ type: key, name, source: src(`${key} ${name}`) });
        loadRefs.push({ name, path: P, entry });
        break;
      }
      case "interrupt": {
        // `interrupt: {node: X}` | `{nodeclaim: X}` | `{nodepool: X}` (its oldest running NodeClaim), or "node/X" etc.
        let kind: string;
        let name: string;
        if (typeof v === "string") {
          const m = /^(node|nodes|nodeclaim|nodeclaims|nodepool|nodepools)\/(.+)$/.exec(v);
          if (!m) ctx.fail(P, `Invalid value: ${render(v)}: must be node/NAME, nodeclaim/NAME or nodepool/NAME`);
          kind = m[1]!.replace(/s$/, "");
          name = m[2]!;
        } else {
          const o = obj(ctx, v, P, ["node", "nodeclaim", "nodepool"]);
          const given = (["node", "nodeclaim", "nodepool"] as const).filter((k) => o[k] !== undefined);
          if (given.length === 0) ctx.fail(P, 'Required value: one of "node", "nodeclaim", "nodepool"');
          if (given.length > 1) ctx.fail([...P, given[1]!], `Forbidden: may not be set together with ${given[0]}`);
          kind = given[0]!;
          name = str(ctx, o[kind], [...P, kind]);
        }
        const action: Extract<TimelineAction, { type: "interrupt" }> = { type: "interrupt", source: src(`interrupt ${kind}/${name}`) };
        if (kind === "node") action.node = name;
        else if (kind === "nodeclaim") action.nodeClaim = name;
        else action.nodePool = name;
        push(action);
        break;
      }
      case "scaleNodeGroup": {
        // `scaleNodeGroup: {name: default, desired: 4}` (eksctl scale nodegroup --name=default --nodes=4)
        const o = obj(ctx, v, P, ["name", "desired"]);
        const name = str(ctx, required(ctx, o, P, "name"), [...P, "name"]);
        const desired = int(ctx, required(ctx, o, P, "desired"), [...P, "desired"], 0);
        push({ type: "scaleNodeGroup", name, desired, source: src(`scaleNodeGroup ${name} --nodes=${desired}`) });
        break;
      }
      case "setLoad": {
        const o = obj(ctx, v, P, ["name", "clients", "rps", "thinkTime"]);
        const name = str(ctx, required(ctx, o, P, "name"), [...P, "name"]);
        const action: Extract<TimelineAction, { type: "setLoad" }> = { type: "setLoad", name, source: "" };
        if (o.clients !== undefined) action.clients = int(ctx, o.clients, [...P, "clients"], 0);
        if (o.rps !== undefined) action.rps = num(ctx, o.rps, [...P, "rps"], 0);
        if (o.thinkTime !== undefined) action.thinkTimeMs = duration(ctx, o.thinkTime, [...P, "thinkTime"]);
        if (action.clients === undefined && action.rps === undefined && action.thinkTimeMs === undefined) {
          ctx.fail(P, "Required value: one of clients, thinkTime (closed loop) or rps (open loop)");
        }
        action.source = src(`setLoad ${name}${action.clients !== undefined ? ` clients=${action.clients}` : ""}${action.thinkTimeMs !== undefined ? ` thinkTime=${formatDuration(action.thinkTimeMs)}` : ""}${action.rps !== undefined ? ` rps=${action.rps}` : ""}`);
        const entry = push(action);
        loadRefs.push({ name, path: [...P, "name"], entry });
        break;
      }
    }
  });

  // Load names are checked once all generators (including `kubectl run` ones) are known.
  for (const ref of loadRefs) {
    const gen = opts.load.find((l) => l.name === ref.name);
    if (!gen) {
      const guess = didYouMean(ref.name, opts.load.map((l) => l.name));
      ctx.fail(ref.path, `Not found: ${render(ref.name)}: no load generator of that name in spec.load${guess ? ` (did you mean ${JSON.stringify(guess)}?)` : ""}`);
    }
    const a = ref.entry.action;
    if (a.type === "setLoad") {
      const p = ref.path.slice(0, -1);
      if (gen.openLoop && (a.clients !== undefined || a.thinkTimeMs !== undefined)) {
        ctx.fail(p, `Invalid value: load generator ${JSON.stringify(gen.name)} is open-loop: set rps, not clients or thinkTime`);
      }
      if (gen.closedLoop && a.rps !== undefined) {
        ctx.fail(p, `Invalid value: load generator ${JSON.stringify(gen.name)} is closed-loop: set clients or thinkTime, not rps`);
      }
    }
  }

  // stable sort by time
  return entries.map((e, i) => ({ e, i })).sort((a, b) => a.e.atMs - b.e.atMs || a.i - b.i).map((x) => x.e);
}

const SCALABLE = new Set(["Deployment", "ReplicaSet", "StatefulSet", "ReplicationController"]);

interface Target {
  kind: KindInfo;
  namespace?: string;
  name: string;
  text: string;
}

/** `{target: deployment/x, namespace?}`, `{kind, name, namespace?}` or (delete only) the string `deployment/x`. */
function structuredTarget(ctx: DocContext, v: unknown, path: Path, objectOnly: boolean, extra: string[] = []): Target {
  if (typeof v === "string" && !objectOnly) return targetFromText(ctx, v, path, undefined);
  const o = obj(ctx, v, path, ["target", "kind", "name", "namespace", ...extra]);
  const namespace = optStr(ctx, o.namespace, [...path, "namespace"]);
  if (o.target !== undefined) {
    if (o.kind !== undefined) ctx.fail([...path, "kind"], "Forbidden: may not be set together with target");
    return targetFromText(ctx, str(ctx, o.target, [...path, "target"]), [...path, "target"], namespace);
  }
  const kindText = str(ctx, required(ctx, o, path, "kind"), [...path, "kind"]);
  const kind = resolveResource(kindText);
  if (!kind) ctx.fail([...path, "kind"], `Invalid value: ${render(kindText)}: the server doesn't have a resource type ${JSON.stringify(kindText)}`);
  const name = str(ctx, required(ctx, o, path, "name"), [...path, "name"]);
  return { kind, name, namespace: kind.namespaced ? (namespace ?? "default") : undefined, text: `${kind.kind.toLowerCase()}/${name}` };
}

function targetFromText(ctx: DocContext, text: string, path: Path, namespace: string | undefined): Target {
  const parts = text.split("/");
  let ns = namespace;
  let type: string;
  let name: string;
  if (parts.length === 2) [type, name] = parts;
  else if (parts.length === 3) [ns, type, name] = parts;
  else ctx.fail(path, `Invalid value: ${render(text)}: must be TYPE/NAME (e.g. deployment/php-apache) or NAMESPACE/TYPE/NAME`);
  const kind = resolveResource(type);
  if (!kind) ctx.fail(path, `Invalid value: ${render(text)}: the server doesn't have a resource type ${JSON.stringify(type)}`);
  if (!name) ctx.fail(path, `Invalid value: ${render(text)}: resource name may not be empty`);
  return { kind, name, namespace: kind.namespaced ? (ns ?? "default") : undefined, text: `${kind.kind.toLowerCase()}/${name}` };
}

function checkPatchShape(patch: unknown, type: "strategic" | "merge" | "json", fail: (msg: string) => never): void {
  if (type === "json") {
    if (!Array.isArray(patch)) fail(`Invalid value: ${render(patch)}: json: cannot unmarshal object into Go value of type jsonpatch.Patch`);
    patch.forEach((op, i) => {
      if (!isPlainObject(op) || typeof op.op !== "string" || typeof op.path !== "string") {
        fail(`Invalid value: ${render(op)}: operation ${i} must have "op" and "path"`);
      }
      if (!["add", "remove", "replace", "move", "copy", "test"].includes(op.op)) fail(`Invalid value: ${render(op.op)}: Unexpected kind: ${op.op}`);
    });
  } else if (!isPlainObject(patch)) {
    fail(`Invalid value: ${render(patch)}: json: cannot unmarshal ${Array.isArray(patch) ? "array" : typeof patch} into Go value of type map[string]interface {}`);
  }
}

// ---------------------------------------------------------------------------------------------
// kubectl one-liners

/** POSIX-shell-like word splitting with '…', "…" and backslash escapes. */
export function shellSplit(text: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new KubectlError("unterminated quoted string (')");
      cur += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      let closed = false;
      while (i < text.length) {
        const d = text[i];
        if (d === "\\" && i + 1 < text.length && '"\\$`'.includes(text[i + 1])) {
          cur += text[i + 1];
          i += 2;
        } else if (d === '"') {
          closed = true;
          i++;
          break;
        } else {
          cur += d;
          i++;
        }
      }
      if (!closed) throw new KubectlError('unterminated quoted string (")');
      inWord = true;
    } else if (c === "\\" && i + 1 < text.length) {
      cur += text[i + 1];
      inWord = true;
      i += 2;
    } else if (c === " " || c === "\t" || c === "\n") {
      if (inWord) out.push(cur);
      cur = "";
      inWord = false;
      i++;
    } else {
      cur += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

type FlagKind = "value" | "bool";

interface ParsedArgs {
  positional: string[];
  flags: Map<string, string[]>;
  /** Words after `--`. */
  rest: string[] | undefined;
}

/**
 * Cobra/pflag-style flag parsing: `--flag=v`, `--flag v`, `-f v`, `-fv`, combined bool shorthands
 * (`-it`), `--bool=false`. Unknown flags are errors worded as kubectl prints them.
 */
function parseFlags(words: string[], spec: Record<string, FlagKind>, shorthands: Record<string, string>): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  const add = (k: string, v: string) => {
    const l = flags.get(k);
    if (l) l.push(v);
    else flags.set(k, [v]);
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === "--") return { positional, flags, rest: words.slice(i + 1) };
    if (w.startsWith("--")) {
      const eq = w.indexOf("=");
      const name = eq < 0 ? w.slice(2) : w.slice(2, eq);
      const kind = spec[name];
      if (!kind) throw new KubectlError(`unknown flag: --${name}`);
      if (eq >= 0) add(name, w.slice(eq + 1));
      else if (kind === "bool") add(name, "true");
      else {
        if (i + 1 >= words.length) throw new KubectlError(`flag needs an argument: --${name}`);
        add(name, words[++i]);
      }
    } else if (w.startsWith("-") && w.length > 1 && !/^-\d/.test(w)) {
      // shorthand(s)
      let j = 1;
      while (j < w.length) {
        const ch = w[j];
        const name = shorthands[ch];
        if (!name) throw new KubectlError(`unknown shorthand flag: '${ch}' in ${w}`);
        if (spec[name] === "bool") {
          if (w[j + 1] === "=") {
            add(name, w.slice(j + 2));
            break;
          }
          add(name, "true");
          j++;
        } else {
          let val = w.slice(j + 1);
          if (val.startsWith("=")) val = val.slice(1);
          if (val === "") {
            if (i + 1 >= words.length) throw new KubectlError(`flag needs an argument: '${ch}' in -${ch}`);
            val = words[++i];
          }
          add(name, val);
          break;
        }
      }
    } else positional.push(w);
  }
  return { positional, flags, rest: undefined };
}

const last = (a: ParsedArgs, k: string): string | undefined => {
  const l = a.flags.get(k);
  return l ? l[l.length - 1] : undefined;
};

function boolFlag(a: ParsedArgs, k: string): boolean {
  const v = last(a, k);
  if (v === undefined) return false;
  if (["true", "1", "t", "T", "TRUE", "True"].includes(v)) return true;
  if (["false", "0", "f", "F", "FALSE", "False"].includes(v)) return false;
  throw new KubectlError(`invalid argument ${JSON.stringify(v)} for "--${k}" flag: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

function intFlag(a: ParsedArgs, k: string, def: number): number {
  const v = last(a, k);
  if (v === undefined) return def;
  if (!/^[+-]?\d+$/.test(v)) throw new KubectlError(`invalid argument ${JSON.stringify(v)} for "--${k}" flag: strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

const GLOBAL_FLAGS: Record<string, FlagKind> = { namespace: "value" };
const GLOBAL_SHORT: Record<string, string> = { n: "namespace" };

interface Ref {
  kind: KindInfo;
  name: string;
}

/** `TYPE NAME [NAME...]` or `TYPE/NAME [TYPE/NAME...]`. */
function resourceArgs(args: string[]): Ref[] {
  if (args.length === 0) throw new KubectlError("You must provide one or more resources by argument or filename.");
  const resolve = (t: string) => {
    const k = resolveResource(t);
    if (!k) throw new KubectlError(`the server doesn't have a resource type ${JSON.stringify(t)}`);
    return k;
  };
  if (args[0].includes("/")) {
    return args.map((a) => {
      const slash = a.indexOf("/");
      if (slash < 0) throw new KubectlError(`there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'`);
      const name = a.slice(slash + 1);
      if (!name || name.includes("/")) throw new KubectlError(`arguments in resource/name form must have a single resource and name`);
      return { kind: resolve(a.slice(0, slash)), name };
    });
  }
  const kind = resolve(args[0]);
  if (args.length === 1) throw new KubectlError(`resource(s) were provided, but no name was specified`);
  return args.slice(1).map((name) => {
    if (name.includes("/")) throw new KubectlError(`there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'`);
    return { kind, name };
  });
}

interface KubectlContext {
  source: string;
  atMs: number;
  loadManifests(file: string, flagField: string): LoadedObject[];
  onRunLoad(gen: LoadGeneratorSpec, podNamespace: string): void;
}

const SUPPORTED = ["scale", "autoscale", "delete", "apply", "patch", "run"];

/** Parse one kubectl command line into timeline actions (several for `delete a b`). */
export function parseKubectl(text: string, kc: KubectlContext): TimelineAction[] {
  let words = shellSplit(text.trim());
  if (words[0] === "kubectl") words = words.slice(1);
  // global flags may come before the command: `kubectl -n shop scale …`
  const globals: string[] = [];
  while (words.length && words[0].startsWith("-")) {
    const w = words[0];
    if (w === "-n" || w === "--namespace") {
      if (words.length < 2) throw new KubectlError(`flag needs an argument: ${w === "-n" ? "'n' in -n" : "--namespace"}`);
      globals.push(w, words[1]);
      words = words.slice(2);
    } else if (w.startsWith("--namespace=") || /^-n./.test(w)) {
      globals.push(w);
      words = words.slice(1);
    } else throw new KubectlError(`unknown flag: ${w}`);
  }
  if (words.length === 0) throw new KubectlError("no command given");
  const cmd = words[0];
  const args = [...globals, ...words.slice(1)];
  switch (cmd) {
    case "scale":
      return kubectlScale(args, kc);
    case "autoscale":
      return kubectlAutoscale(args, kc);
    case "delete":
      return kubectlDelete(args, kc);
    case "apply":
      return kubectlApply(args, kc);
    case "patch":
      return kubectlPatch(args, kc);
    case "run":
      return kubectlRun(args, kc);
    default:
      throw new KubectlError(`unsupported command ${JSON.stringify(cmd)} (the timeline understands kubectl ${SUPPORTED.join(", ")})`);
  }
}

function nsOf(a: ParsedArgs, kind: KindInfo): string | undefined {
  return kind.namespaced ? (last(a, "namespace") ?? "default") : undefined;
}

function kubectlScale(words: string[], kc: KubectlContext): TimelineAction[] {
  const a = parseFlags(words, { ...GLOBAL_FLAGS, replicas: "value", "current-replicas": "value", "resource-version": "value", timeout: "value" }, GLOBAL_SHORT);
  if (!a.flags.has("replicas")) throw new KubectlError(`required flag(s) "replicas" not set`);
  const replicas = intFlag(a, "replicas", -1);
  if (replicas < 0) throw new KubectlError("The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0");
  return resourceArgs(a.positional).map((r) => {
    if (!SCALABLE.has(r.kind.kind)) throw new KubectlError(`cannot scale a ${r.kind.kind}: it has no scale subresource`);
    return { type: "scale", kind: r.kind.kind, namespace: nsOf(a, r.kind), name: r.name, replicas, source: kc.source };
  });
}

function kubectlAutoscale(words: string[], kc: KubectlContext): TimelineAction[] {
  const a = parseFlags(words, { ...GLOBAL_FLAGS, min: "value", max: "value", "cpu-percent": "value", name: "value" }, GLOBAL_SHORT);
  const refs = resourceArgs(a.positional);
  const min = intFlag(a, "min", -1);
  const max = intFlag(a, "max", -1);
  const cpu = intFlag(a, "cpu-percent", -1);
  if (max < 1) throw new KubectlError(`--max=MAXPODS is required and must be at least 1, max: ${max}`);
  if (max < min) throw new KubectlError(`--max=MAXPODS must be larger or equal to --min=MINPODS, max: ${max}, min: ${min}`);
  const objects: KubeObject[] = refs.map((r) => {
    if (!SCALABLE.has(r.kind.kind)) {
      throw new KubectlError(`cannot autoscale a ${r.kind.kind}: could not find scale subresource for ${apiVersionOf(r.kind)}, Resource=${r.kind.plural} in discovery information`);
    }
    const spec: Record<string, unknown> = {
      scaleTargetRef: { apiVersion: apiVersionOf(r.kind), kind: r.kind.kind, name: r.name },
    };
    if (min >= 0) spec.minReplicas = min;
    spec.maxReplicas = max;
    if (cpu >= 0) spec.targetCPUUtilizationPercentage = cpu;
    return {
      apiVersion: "autoscaling/v1",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: last(a, "name") ?? r.name, namespace: nsOf(a, r.kind) ?? "default" },
      spec,
    };
  });
  return [{ type: "apply", objects, source: kc.source }];
}

function manifestsFromFlags(a: ParsedArgs, kc: KubectlContext): LoadedObject[] {
  const files = a.flags.get("filename") ?? [];
  const out: LoadedObject[] = [];
  for (const f of files) {
    if (/^https?:\/\//.test(f)) {
      throw new KubectlError(`cannot fetch ${JSON.stringify(f)} inside a simulation: save the manifest next to the scenario and use its relative path`);
    }
    out.push(...kc.loadManifests(f, ""));
  }
  return out;
}

function kubectlDelete(words: string[], kc: KubectlContext): TimelineAction[] {
  const a = parseFlags(
    words,
    {
      ...GLOBAL_FLAGS,
      filename: "value",
      "grace-period": "value",
      now: "bool",
      force: "bool",
      wait: "bool",
      cascade: "value",
      "ignore-not-found": "bool",
      timeout: "value",
    },
    { ...GLOBAL_SHORT, f: "filename" },
  );
  if (a.flags.has("filename")) {
    if (a.positional.length) throw new KubectlError(`Unexpected args: [${a.positional.join(" ")}]`);
    return manifestsFromFlags(a, kc).map(({ object }) => ({
      type: "delete",
      kind: object.kind,
      namespace: object.metadata.namespace,
      name: object.metadata.name ?? "",
      source: kc.source,
    }));
  }
  return resourceArgs(a.positional).map((r) => ({ type: "delete", kind: r.kind.kind, namespace: nsOf(a, r.kind), name: r.name, source: kc.source }));
}

function kubectlApply(words: string[], kc: KubectlContext): TimelineAction[] {
  const a = parseFlags(
    words,
    { ...GLOBAL_FLAGS, filename: "value", "server-side": "bool", "force-conflicts": "bool", validate: "value", "field-manager": "value", overwrite: "bool", prune: "bool" },
    { ...GLOBAL_SHORT, f: "filename" },
  );
  if (a.positional.length) throw new KubectlError(`Unexpected args: [${a.positional.join(" ")}]`);
  if (!a.flags.has("filename")) throw new KubectlError("must specify one of -f and -k");
  const ns = last(a, "namespace");
  const objects = manifestsFromFlags(a, kc).map(({ object }) => {
    if (ns && object.metadata.namespace && resolveResource(object.kind)?.namespaced) {
      // -n overrides the default namespace; an explicit, different one is kubectl's error
      const explicit = object.metadata.namespace !== "default" || ns === "default";
      if (explicit && object.metadata.namespace !== ns) {
        throw new KubectlError(`the namespace from the provided object ${JSON.stringify(object.metadata.namespace)} does not match the namespace ${JSON.stringify(ns)}. You must pass '--namespace=${object.metadata.namespace}' to perform this operation.`);
      }
      return { ...object, metadata: { ...object.metadata, namespace: ns } };
    }
    return object;
  });
  if (objects.length === 0) throw new KubectlError("no objects passed to apply");
  return [{ type: "apply", objects, source: kc.source }];
}

function kubectlPatch(words: string[], kc: KubectlContext): TimelineAction[] {
  const a = parseFlags(words, { ...GLOBAL_FLAGS, patch: "value", type: "value", "patch-file": "value", subresource: "value" }, { ...GLOBAL_SHORT, p: "patch" });
  const refs = resourceArgs(a.positional);
  const type = last(a, "type") ?? "strategic";
  if (type !== "strategic" && type !== "merge" && type !== "json") {
    throw new KubectlError(`--type must be one of [json merge strategic], not ${JSON.stringify(type)}`);
  }
  const text = last(a, "patch");
  if (text === undefined) throw new KubectlError("must specify --patch or --patch-file containing the contents of the patch");
  let patch: unknown;
  try {
    patch = parseYaml(text);
  } catch (e) {
    throw new KubectlError(`unable to parse ${JSON.stringify(text)}: ${(e as Error).message.split("\n")[0]}`);
  }
  checkPatchShape(patch, type, (msg) => {
    throw new KubectlError(`unable to parse ${JSON.stringify(text)}: ${msg.replace(/^Invalid value: .*?: /, "")}`);
  });
  return refs.map((r) => ({ type: "patch", kind: r.kind.kind, namespace: nsOf(a, r.kind), name: r.name, patch, patchType: type, source: kc.source }));
}

function kubectlRun(words: string[], kc: KubectlContext): TimelineAction[] {
  const a = parseFlags(
    words,
    {
      ...GLOBAL_FLAGS,
      image: "value",
      restart: "value",
      rm: "bool",
      stdin: "bool",
      tty: "bool",
      attach: "bool",
      labels: "value",
      env: "value",
      port: "value",
      command: "bool",
      "image-pull-policy": "value",
      quiet: "bool",
      generator: "value",
      "pod-running-timeout": "value",
    },
    { ...GLOBAL_SHORT, i: "stdin", t: "tty", l: "labels", q: "quiet" },
  );
  const [name, ...extraArgs] = a.positional;
  if (!name) throw new KubectlError("NAME is required for run");
  const image = last(a, "image");
  if (!image) throw new KubectlError(`required flag(s) "image" not set`);
  const restart = last(a, "restart") ?? "Always";
  if (!["Always", "OnFailure", "Never"].includes(restart)) throw new KubectlError(`invalid restart policy: ${restart}`);
  const namespace = last(a, "namespace") ?? "default";
  const cmdArgs = [...extraArgs, ...(a.rest ?? [])];

  const labels: Record<string, string> = {};
  const labelText = last(a, "labels");
  if (labelText) {
    for (const kv of labelText.split(",")) {
      const eq = kv.indexOf("=");
      if (eq <= 0) throw new KubectlError(`invalid label spec: ${kv}`);
      labels[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
  } else labels.run = name;

  const container: Record<string, unknown> = { name, image };
  if (cmdArgs.length) container[boolFlag(a, "command") ? "command" : "args"] = cmdArgs;
  const env = a.flags.get("env");
  if (env) {
    container.env = env.map((kv) => {
      const eq = kv.indexOf("=");
      if (eq <= 0) throw new KubectlError(`invalid env: ${kv}`);
      return { name: kv.slice(0, eq), value: kv.slice(eq + 1) };
    });
  }
  const port = last(a, "port");
  if (port) container.ports = [{ containerPort: intFlag(a, "port", 0) }];
  const pullPolicy = last(a, "image-pull-policy");
  if (pullPolicy) container.imagePullPolicy = pullPolicy;
  if (boolFlag(a, "stdin")) {
    container.stdin = true;
    container.stdinOnce = true;
  }
  if (boolFlag(a, "tty")) container.tty = true;
  container.resources = {};

  const pod: KubeObject = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, labels },
    spec: { containers: [container], restartPolicy: restart, dnsPolicy: "ClusterFirst" },
  };

  const gen = loadLoop(cmdArgs.join(" "), namespace);
  if (gen) {
    const spec: LoadGeneratorSpec = {
      name,
      namespace: gen.namespace,
      service: gen.service,
      startMs: kc.atMs,
      closedLoop: { clients: 1, thinkTimeMs: gen.thinkTimeMs },
      timeoutMs: DEFAULTS.load.timeoutMs,
    };
    kc.onRunLoad(spec, namespace);
  }
  return [{ type: "apply", objects: [pod], source: kc.source }];
}

export { loadLoop } from "../workload/shell-loop.js";

/** Exported for tests: the error class kubectl usage problems are raised with before positioning. */
export { KubectlError };
