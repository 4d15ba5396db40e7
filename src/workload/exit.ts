/**
 * When does a container's main process exit by itself, and with what code?
 *
 * Most containers of the labs are servers that run until they are stopped; batch containers (Job
 * pods) run a command to its end. The kubelet asks `exitPlan` when it starts a container and, for a
 * plan, makes the container runtime report the exit `afterMs` later; the pod's restartPolicy does the
 * rest (Completed/Error, restarts, Succeeded/Failed).
 *
 * Sources, first that applies:
 * 1. the scenario's usage overrides (`spec.usage[]`, first matching entry, the same matching as the
 *    usage models): `run: 30s` → exits 30 s after start with `exitCode` (default 0); an `exitCode`
 *    without `run` replaces the code of a recognised command;
 * 2. the command: a shell script or command line made only of programs whose running time is known
 *    (`sleep`, `true`, `false`, `exit`, `echo`, `date`, `env`, `printenv`, …) and the Kubernetes
 *    docs' pi Job. Anything else — a loop, `sleep infinity`, a background job, an unknown program, an
 *    image's own entrypoint — has no plan: it runs until it is stopped.
 */
import { overrideMatches, imageRepository, type ContainerInfo } from "./images.js";
import type { UsageOverride } from "./types.js";

export interface ExitPlan {
  /** Milliseconds after the container starts. */
  afterMs: number;
  exitCode: number;
}

export function exitPlan(info: ContainerInfo, overrides: readonly UsageOverride[] = []): ExitPlan | undefined {
  const o = overrides.find((x) => overrideMatches(x, info));
  if (o?.runMs !== undefined) return { afterMs: o.runMs, exitCode: o.exitCode ?? 0 };
  const argv = entryArgv(info);
  if (!argv) return undefined;
  const r = runArgv(argv, { errexit: false });
  if (r === UNKNOWN) return undefined;
  return { afterMs: Math.round(r.ms), exitCode: o?.exitCode ?? r.code };
}

/**
 * The process the container runs: `command` replaces the image's ENTRYPOINT and `args` its CMD. With
 * `args` only, the image's ENTRYPOINT still runs them; that is known only for the base images below,
 * which have none (their CMD is a shell or an interpreter).
 */
function entryArgv(info: ContainerInfo): readonly string[] | undefined {
  const command = info.command ?? [];
  const args = info.args ?? [];
  if (command.length > 0) return [...command, ...args];
  if (args.length === 0) return undefined;
  const repo = imageRepository(info.image);
  return NO_ENTRYPOINT.has(repo.slice(repo.lastIndexOf("/") + 1)) ? args : undefined;
}

const NO_ENTRYPOINT = new Set(["busybox", "alpine", "ubuntu", "debian", "bash", "perl", "python", "amazonlinux", "centos", "fedora", "ubuntu-slim"]);

// ------------------------------------------------------------------------------ evaluation

/** Elapsed time and exit status of what ran; `exited`: the shell itself ended (`exit`, `exec`, set -e). */
interface Ran {
  ms: number;
  code: number;
  exited?: boolean;
}

const UNKNOWN = Symbol("unknown");
type Result = Ran | typeof UNKNOWN;

interface ShellState {
  errexit: boolean;
}

const SHELLS = new Set(["sh", "bash", "ash", "dash", "ksh", "zsh"]);

/** Programs that print or report something and end at once with status 0. */
const INSTANT = new Set(["echo", "printf", "date", "printenv", "hostname", "uname", "pwd", "whoami", "id", "ls", "true", ":"]);

const basename = (p: string): string => p.slice(p.lastIndexOf("/") + 1);

/** One command line (no shell parsing): a shell with `-c`, or a program. */
function runArgv(argv: readonly string[], st: ShellState): Result {
  const prog = basename(argv[0] ?? "");
  if (SHELLS.has(prog)) {
    // `sh -c SCRIPT [name [args…]]`; options may be combined (`-ec`). Without -c the shell reads
    // stdin, which depends on how the pod attaches it: unknown.
    const shell: ShellState = { errexit: false };
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === "--" || !/^[-+][A-Za-z]+$/.test(a)) return UNKNOWN;
      if (a.startsWith("-") && a.includes("e")) shell.errexit = true;
      if (a.startsWith("-") && a.includes("c")) {
        const script = argv[i + 1];
        if (script === undefined) return { ms: 0, code: 2 }; // sh: -c requires an argument
        return runScript(script, shell);
      }
    }
    return UNKNOWN;
  }
  return runSimple(argv.map((w) => ({ text: w, subst: [] })), st);
}

function runScript(script: string, st: ShellState): Result {
  const toks = tokenize(script);
  if (toks === UNKNOWN) return UNKNOWN;
  const lists = parseList(toks);
  if (lists === UNKNOWN) return UNKNOWN;
  let ms = 0;
  let code = 0;
  for (const andOr of lists) {
    let runNext = true;
    for (const { op, pipeline } of andOr) {
      if (op === "&&") runNext = code === 0;
      else if (op === "||") runNext = code !== 0;
      if (!runNext) continue;
      const r = runPipeline(pipeline, st);
      if (r === UNKNOWN) return UNKNOWN;
      ms += r.ms;
      code = r.code;
      if (r.exited) return { ms, code, exited: true };
    }
    // set -e: a failing list ends the shell (a failure before the last && / || does not).
    if (st.errexit && code !== 0) return { ms, code, exited: true };
  }
  return { ms, code };
}

/** The stages of a pipeline run side by side: as long as the slowest, with the last one's status. */
function runPipeline(stages: Word[][], st: ShellState): Result {
  if (stages.length === 1) return runSimple(stages[0]!, st);
  let ms = 0;
  let code = 0;
  for (const s of stages) {
    const r = runSimple(s, { ...st });
    if (r === UNKNOWN) return UNKNOWN;
    ms = Math.max(ms, r.ms);
    code = r.code;
  }
  return { ms, code };
}

function runSimple(words: Word[], st: ShellState): Result {
  let ms = 0;
  // Command substitutions run first (their output only becomes text).
  for (const w of words) {
    for (const inner of w.subst) {
      const r = runScript(inner, { errexit: false });
      if (r === UNKNOWN) return UNKNOWN;
      ms += r.ms;
    }
  }
  let i = 0;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!.text)) i++;
  if (i === words.length) return { ms, code: 0 };
  const argv = words.slice(i);
  const literal = (w: Word) => !w.expanded;
  const prog = basename(argv[0]!.text);
  const args = argv.slice(1);
  const done = (r: Result): Result => (r === UNKNOWN ? r : { ...r, ms: r.ms + ms });
  switch (prog) {
    case "exec": {
      if (args.length === 0) return { ms, code: 0 };
      const r = runSimple(args, st);
      return r === UNKNOWN ? r : { ms: r.ms + ms, code: r.code, exited: true };
    }
    case "exit": {
      if (args.length === 0) return { ms, code: 0, exited: true };
      if (!literal(args[0]!) || !/^\d+$/.test(args[0]!.text)) return UNKNOWN;
      return { ms, code: Number(args[0]!.text) & 255, exited: true };
    }
    case "set":
      for (const a of args) {
        if (/^-[A-Za-z]*e/.test(a.text)) st.errexit = true;
        else if (/^\+[A-Za-z]*e/.test(a.text)) st.errexit = false;
      }
      if (args.some((a, k) => a.text === "-o" && args[k + 1]?.text === "errexit")) st.errexit = true;
      return { ms, code: 0 };
    case "false":
      return { ms, code: 1 };
    case "sleep":
      return done(sleepFor(args));
    case "env": {
      // `env` prints the environment; `env [-i] [NAME=value…] cmd …` runs cmd.
      let k = 0;
      while (k < args.length && (args[k]!.text === "-i" || args[k]!.text === "-" || /^[A-Za-z_][A-Za-z0-9_]*=/.test(args[k]!.text))) k++;
      return k === args.length ? { ms, code: 0 } : done(runSimple(args.slice(k), st));
    }
    case "perl":
      return done(perlPi(args.map((a) => a.text)));
    default:
      if (INSTANT.has(prog)) return { ms, code: 0 };
      if (SHELLS.has(prog)) return done(runArgv(argv.map((w) => w.text), st));
      return UNKNOWN;
  }
}

/**
 * GNU coreutils / busybox sleep: each operand a number with an optional s/m/h/d suffix, the sum is
 * slept. `infinity` never ends; a malformed operand fails at once ("invalid time interval").
 */
function sleepFor(args: Word[]): Result {
  if (args.length === 0) return { ms: 0, code: 1 }; // sleep: missing operand
  let ms = 0;
  for (const a of args) {
    if (a.expanded) return UNKNOWN;
    const t = a.text.toLowerCase();
    if (t === "infinity" || t === "inf") return UNKNOWN;
    const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(t);
    if (!m) return { ms: 0, code: 1 };
    const unit = m[2] === "m" ? 60_000 : m[2] === "h" ? 3_600_000 : m[2] === "d" ? 86_400_000 : 1000;
    ms += Number(m[1]) * unit;
  }
  return { ms, code: 0 };
}

/**
 * The Kubernetes docs' example Job, `perl -Mbignum=bpi -wle "print bpi(2000)"`: "It takes around 10s
 * to complete" (kubernetes.io/docs/concepts/workloads/controllers/job, "Running an example Job").
 * Other digit counts are a model, not a measurement: Math::BigFloat's pi is taken as quadratic in
 * the number of digits, anchored at that 10 s for 2000.
 */
export const PI_2000_DIGITS_MS = 10_000;

function perlPi(args: readonly string[]): Result {
  if (!args.some((a) => /^-Mbignum(=|$)/.test(a))) return UNKNOWN;
  const script = args.find((a, k) => k > 0 && /(^|\s)print\s+bpi\(\s*\d+\s*\)\s*;?\s*$/.test(a));
  if (!script) return UNKNOWN;
  const digits = Number(/bpi\(\s*(\d+)/.exec(script)![1]);
  return { ms: PI_2000_DIGITS_MS * (digits / 2000) ** 2, code: 0 };
}

// ------------------------------------------------------------------------------ shell syntax (a subset)

/** A shell word after quote removal; `expanded`: it had a $ or ` expansion; `subst`: its $(…)/`…` scripts. */
interface Word {
  text: string;
  expanded?: boolean;
  subst: string[];
}

type Tok = { w: Word } | { op: string };

const RESERVED = new Set(["if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac", "{", "}", "!", "function", "select", "[[", "]]"]);

/** Words and the control operators ; && || | & ( ) and newline; redirections are dropped. */
function tokenize(s: string): Tok[] | typeof UNKNOWN {
  const out: Tok[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s[i]!;
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    if (c === "\\" && s[i + 1] === "\n") {
      i += 2;
      continue;
    }
    if (c === "#") {
      while (i < n && s[i] !== "\n") i++;
      continue;
    }
    if (c === "\n" || c === ";") {
      if (s[i + 1] === ";") return UNKNOWN; // case … ;;
      out.push({ op: ";" });
      i++;
      continue;
    }
    if (c === "&" || c === "|") {
      if (s[i + 1] === c) {
        out.push({ op: c + c });
        i += 2;
      } else if (c === "&" && s[i + 1] === ">") {
        i = skipRedirectTarget(s, i + 2);
      } else {
        out.push({ op: c });
        i++;
      }
      continue;
    }
    if (c === "(" || c === ")") {
      out.push({ op: c });
      i++;
      continue;
    }
    if (c === "<" || c === ">") {
      i = skipRedirectTarget(s, i + 1);
      continue;
    }
    // A word.
    const w: Word = { text: "", subst: [] };
    while (i < n) {
      const ch = s[i]!;
      if (" \t\n;&|()<>".includes(ch)) {
        // `2>file`, `2>&1`: a number right before a redirection is its fd.
        if ((ch === "<" || ch === ">") && /^\d+$/.test(w.text) && !w.expanded) {
          w.text = "";
          i = skipRedirectTarget(s, i + 1);
        }
        break;
      }
      if (ch === "\\") {
        w.text += s[i + 1] ?? "";
        i += 2;
      } else if (ch === "'") {
        const end = s.indexOf("'", i + 1);
        if (end < 0) return UNKNOWN;
        w.text += s.slice(i + 1, end);
        i = end + 1;
      } else if (ch === '"') {
        i++;
        while (i < n && s[i] !== '"') {
          if (s[i] === "\\" && i + 1 < n) {
            w.text += s[i + 1];
            i += 2;
          } else if (s[i] === "$" || s[i] === "`") {
            const j = expansion(s, i, w);
            if (j < 0) return UNKNOWN;
            i = j;
          } else w.text += s[i++];
        }
        if (i >= n) return UNKNOWN;
        i++;
      } else if (ch === "$" || ch === "`") {
        const j = expansion(s, i, w);
        if (j < 0) return UNKNOWN;
        i = j;
      } else {
        w.text += ch;
        i++;
      }
    }
    if (w.text !== "" || w.expanded) out.push({ w });
  }
  return out;
}

/** Skip `>`/`>>`/`>&` and the redirection's target word; returns the index after it. */
function skipRedirectTarget(s: string, i: number): number {
  if (s[i] === ">" || s[i] === "&" || s[i] === "|") i++;
  while (s[i] === " " || s[i] === "\t") i++;
  while (i < s.length && !" \t\n;&|()<>".includes(s[i]!)) {
    if (s[i] === "'" || s[i] === '"') {
      const end = s.indexOf(s[i]!, i + 1);
      i = end < 0 ? s.length : end + 1;
    } else i++;
  }
  return i;
}

/** `$x`, `${x}`, `$((…))`, `$(…)`, `` `…` `` at s[i]; appends to `w`, returns the index after, or -1. */
function expansion(s: string, i: number, w: Word): number {
  const was = w.expanded;
  w.expanded = true;
  if (s[i] === "`") {
    const end = s.indexOf("`", i + 1);
    if (end < 0) return -1;
    w.subst.push(s.slice(i + 1, end));
    return end + 1;
  }
  if (s[i + 1] === "(") {
    const arith = s[i + 2] === "(";
    let depth = 0;
    let j = i + 1;
    for (; j < s.length; j++) {
      if (s[j] === "(") depth++;
      else if (s[j] === ")" && --depth === 0) break;
    }
    if (j >= s.length) return -1;
    if (!arith) w.subst.push(s.slice(i + 2, j));
    w.text += "\u0000";
    return j + 1;
  }
  if (s[i + 1] === "{") {
    const end = s.indexOf("}", i + 2);
    if (end < 0) return -1;
    w.text += "\u0000";
    return end + 1;
  }
  let j = i + 1;
  if (j < s.length && /[?#@*$!0-9-]/.test(s[j]!)) j++;
  else while (j < s.length && /[A-Za-z0-9_]/.test(s[j]!)) j++;
  if (j === i + 1) {
    // A lone `$` is literal.
    w.text += "$";
    w.expanded = was;
    return j;
  }
  w.text += "\u0000";
  return j;
}

type AndOr = Array<{ op: "" | "&&" | "||"; pipeline: Word[][] }>;

/**
 * list := and_or ((; | newline) and_or)*, and_or := pipeline ((&& | ||) pipeline)*. A background
 * `&`, subshells, compound commands and syntax errors are not modelled (unknown).
 */
function parseList(toks: Tok[]): AndOr[] | typeof UNKNOWN {
  const lists: AndOr[] = [];
  let cur: AndOr = [];
  let pipeline: Word[][] = [];
  let words: Word[] = [];
  let op: "" | "&&" | "||" = "";
  /** After && / || / |, a command must follow (newlines may come first). */
  let expectCommand = false;
  for (const t of toks) {
    if ("w" in t) {
      if (words.length === 0 && RESERVED.has(t.w.text) && !t.w.expanded) return UNKNOWN;
      words.push(t.w);
      expectCommand = false;
      continue;
    }
    if (t.op === ";" && (expectCommand || (words.length === 0 && cur.length === 0))) continue;
    if (expectCommand || words.length === 0) return UNKNOWN;
    pipeline.push(words);
    words = [];
    switch (t.op) {
      case "|":
        expectCommand = true;
        break;
      case "&&":
      case "||":
        cur.push({ op, pipeline });
        pipeline = [];
        op = t.op;
        expectCommand = true;
        break;
      case ";":
        cur.push({ op, pipeline });
        pipeline = [];
        lists.push(cur);
        cur = [];
        op = "";
        break;
      default:
        return UNKNOWN;
    }
  }
  if (expectCommand) return UNKNOWN;
  if (words.length > 0) {
    pipeline.push(words);
    cur.push({ op, pipeline });
  }
  if (cur.length > 0) lists.push(cur);
  return lists;
}
