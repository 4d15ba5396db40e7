/**
 * DefaultPreemption (kube-scheduler 1.32 PostFilter) over a ClusterSnapshot: eligibility, nodes where
 * preemption might help, SelectVictimsOnNode (remove all lower-priority pods, then reprieve as many as
 * possible, PDB-violating ones first), candidate choice (pickOneNodeForPreemption) and the failure
 * message. Pure: the caller deletes the victims and writes nominatedNodeName.
 */
import type { Selector } from "../core/labels.js";
import type { Rng } from "../core/rng.js";
import { CycleState, filterNode, fitErrorMessage, type NodeStatus } from "./framework.js";
import type { ClusterSnapshot, NodeInfo, PodInfo } from "./nodeinfo.js";

export const REASON_NO_VICTIMS = "No preemption victims found for incoming pod";
export const REASON_NOT_HELPFUL = "Preemption is not helpful for scheduling";

export interface PdbInfo {
  namespace: string;
  selector: Selector;
  disruptionsAllowed: number;
  /** status.disruptedPods names */
  disruptedPods?: ReadonlySet<string>;
}

export interface Candidate {
  node: string;
  victims: PodInfo[];
  numPDBViolations: number;
}

export type PreemptionResult =
  | { ok: true; candidate: Candidate }
  | { ok: false; /** PostFilter message, already prefixed with "preemption: " */ message: string };

/** DisruptionTarget reason the scheduler sets on victims. */
export const PREEMPTION_BY_SCHEDULER = "PreemptionByScheduler";

function terminatingByPreemption(pi: PodInfo): boolean {
  if (!pi.terminating) return false;
  const conds: Array<{ type: string; status: string; reason?: string }> = pi.pod.status?.conditions ?? [];
  return conds.some((c) => c.type === "DisruptionTarget" && c.status === "True" && c.reason === PREEMPTION_BY_SCHEDULER);
}

/** PodEligibleToPreemptOthers: [eligible, message]. */
export function eligibleToPreempt(snap: ClusterSnapshot, pod: PodInfo, nominatedStatus?: NodeStatus): [boolean, string] {
  if (pod.pod.spec?.preemptionPolicy === "Never") return [false, "not eligible due to preemptionPolicy=Never."];
  const nom: string | undefined = pod.pod.status?.nominatedNodeName;
  if (nom) {
    if (nominatedStatus?.code === "UnschedulableAndUnresolvable") return [true, ""];
    const ni = snap.getNode(nom);
    if (ni) {
      for (const p of ni.pods.values()) {
        if (p.priority < pod.priority && terminatingByPreemption(p)) return [false, "not eligible due to a terminating pod on the nominated node."];
      }
    }
  }
  return [true, ""];
}

/** MoreImportantPod: higher priority first, then earlier start time. */
function moreImportant(a: PodInfo, b: PodInfo, parse: (s: string) => number): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  const ta = a.startTime(parse) ?? Number.POSITIVE_INFINITY;
  const tb = b.startTime(parse) ?? Number.POSITIVE_INFINITY;
  return ta - tb;
}

function splitByPDB(pods: PodInfo[], pdbs: readonly PdbInfo[]): [PodInfo[], PodInfo[]] {
  const allowed = pdbs.map((p) => p.disruptionsAllowed);
  const violating: PodInfo[] = [];
  const ok: PodInfo[] = [];
  for (const p of pods) {
    let v = false;
    if (Object.keys(p.labels).length > 0) {
      for (let i = 0; i < pdbs.length; i++) {
        const pdb = pdbs[i]!;
        if (pdb.namespace !== p.namespace) continue;
        if (pdb.selector.empty || !pdb.selector.matches(p.labels)) continue;
        if (pdb.disruptedPods?.has(p.pod.metadata.name!)) continue;
        allowed[i]!--;
        if (allowed[i]! < 0) v = true;
      }
    }
    (v ? violating : ok).push(p);
  }
  return [violating, ok];
}

/**
 * SelectVictimsOnNode on a snapshot: mutates the snapshot temporarily and restores it.
 * Returns the victims or the failing status.
 */
export function selectVictimsOnNode(
  snap: ClusterSnapshot,
  pod: PodInfo,
  ni: NodeInfo,
  pdbs: readonly PdbInfo[],
  parseTime: (s: string) => number,
): { victims: PodInfo[]; numPDBViolations: number } | NodeStatus {
  const potential: PodInfo[] = [];
  for (const p of ni.pods.values()) if (p.priority < pod.priority) potential.push(p);
  if (potential.length === 0) return { code: "UnschedulableAndUnresolvable", reasons: [REASON_NO_VICTIMS], plugin: "DefaultPreemption" };
  const node = ni.name;
  for (const p of potential) snap.removePod(p.key);
  const restore = (keep: PodInfo[]) => {
    for (const p of keep) if (!snap.getPod(p.key)) snap.addPod(p, node);
  };
  try {
    const st = filterNode(new CycleState(snap, pod), ni);
    if (st) {
      restore(potential);
      return st;
    }
    potential.sort((a, b) => moreImportant(a, b, parseTime));
    const [violating, nonViolating] = splitByPDB(potential, pdbs);
    const victims: PodInfo[] = [];
    let numViolating = 0;
    const reprieve = (p: PodInfo): boolean => {
      snap.addPod(p, node);
      const fitsNow = filterNode(new CycleState(snap, pod), ni) === undefined;
      if (!fitsNow) {
        snap.removePod(p.key);
        victims.push(p);
      }
      return fitsNow;
    };
    for (const p of violating) if (!reprieve(p)) numViolating++;
    for (const p of nonViolating) reprieve(p);
    victims.sort((a, b) => moreImportant(a, b, parseTime));
    restore(victims);
    return { victims, numPDBViolations: numViolating };
  } catch (e) {
    restore(potential);
    throw e;
  }
}

/** pickOneNodeForPreemption. */
export function pickCandidate(cands: readonly Candidate[], parseTime: (s: string) => number): Candidate {
  let list = [...cands];
  const keepMin = (f: (c: Candidate) => number) => {
    let best = Number.POSITIVE_INFINITY;
    for (const c of list) best = Math.min(best, f(c));
    list = list.filter((c) => f(c) === best);
  };
  keepMin((c) => c.numPDBViolations);
  if (list.length > 1) keepMin((c) => (c.victims.length ? c.victims[0]!.priority : Number.NEGATIVE_INFINITY));
  if (list.length > 1) keepMin((c) => c.victims.reduce((s, v) => s + v.priority + 2147483648, 0));
  if (list.length > 1) keepMin((c) => c.victims.length);
  if (list.length > 1) {
    // Latest "earliest start time" among the highest-priority victims wins.
    keepMin((c) => {
      if (c.victims.length === 0) return Number.NEGATIVE_INFINITY;
      const top = c.victims[0]!.priority;
      let earliest = Number.POSITIVE_INFINITY;
      for (const v of c.victims) if (v.priority === top) earliest = Math.min(earliest, v.startTime(parseTime) ?? Number.POSITIVE_INFINITY);
      return -earliest;
    });
  }
  return list[0]!;
}

/**
 * Preempt: `statuses` are the filter statuses of the failed cycle. Returns a candidate (the caller
 * evicts the victims and nominates the node) or the PostFilter failure message.
 */
export function preempt(
  snap: ClusterSnapshot,
  pod: PodInfo,
  statuses: ReadonlyMap<string, NodeStatus>,
  opts: { rng: Rng; pdbs?: readonly PdbInfo[]; parseTime: (s: string) => number },
): PreemptionResult {
  const nom: string | undefined = pod.pod.status?.nominatedNodeName;
  const [eligible, why] = eligibleToPreempt(snap, pod, nom ? statuses.get(nom) : undefined);
  if (!eligible) return { ok: false, message: `preemption: ${why}` };
  const all = snap.nodes();
  const potential = all.filter((ni) => statuses.get(ni.name)?.code !== "UnschedulableAndUnresolvable");
  const nodeStatuses = new Map<string, NodeStatus>();
  const candidates: Candidate[] = [];
  if (potential.length > 0) {
    let numCandidates = Math.trunc((potential.length * 10) / 100);
    if (numCandidates < 100) numCandidates = 100;
    if (numCandidates > potential.length) numCandidates = potential.length;
    const offset = opts.rng.int(potential.length);
    for (let k = 0; k < potential.length && candidates.length < numCandidates; k++) {
      const ni = potential[(offset + k) % potential.length]!;
      const r = selectVictimsOnNode(snap, pod, ni, opts.pdbs ?? [], opts.parseTime);
      if ("victims" in r) {
        if (r.victims.length > 0) candidates.push({ node: ni.name, victims: r.victims, numPDBViolations: r.numPDBViolations });
        // A node that fits without victims should not be here (the filter failed); ignore it.
      } else {
        nodeStatuses.set(ni.name, r);
      }
    }
  }
  if (candidates.length === 0) {
    return { ok: false, message: `preemption: ${fitErrorMessage(all.length, nodeStatuses, undefined, REASON_NOT_HELPFUL)}` };
  }
  return { ok: true, candidate: pickCandidate(candidates, opts.parseTime) };
}
