/**
 * Deployment controller (kube-controller-manager 1.32, pkg/controller/deployment and
 * pkg/controller/deployment/util): Deployment → ReplicaSets named `<deployment>-<pod-template-hash>`.
 *
 * Implements sync (scaling events / paused, with proportional scaling), rolloutRolling
 * (reconcileNewReplicaSet / reconcileOldReplicaSets with cleanupUnhealthyReplicas), rolloutRecreate,
 * revision annotations, revisionHistoryLimit cleanup, status and the Available/Progressing
 * conditions (incl. ProgressDeadlineExceeded), with upstream event reasons and messages.
 * Not modelled: rollback (deprecated), the revision-history annotation, ReplicaFailure propagation.
 */
import type { Controller, ControllerContext } from "../../api/controller.js";
import { isApiError } from "../../api/errors.js";
import { controllerOf, ownerRef, type KubeObject } from "../../api/meta.js";
import { computeHash, equalIgnoreHash, POD_TEMPLATE_HASH } from "./hash.js";
import { ownedPods } from "./replicaset.js";
import { isTerminal, KeyQueue, splitKey } from "./util.js";

export const DEPLOYMENT_COMPONENT = "deployment-controller";
export const REVISION_ANNOTATION = "deployment.kubernetes.io/revision";
export const DESIRED_REPLICAS_ANNOTATION = "deployment.kubernetes.io/desired-replicas";
export const MAX_REPLICAS_ANNOTATION = "deployment.kubernetes.io/max-replicas";

const SKIP_COPY_ANNOTATIONS = new Set([
  "kubectl.kubernetes.io/last-applied-configuration",
  REVISION_ANNOTATION,
  "deployment.kubernetes.io/revision-history",
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  "deprecated.deployment.rollback.to",
]);

type RS = KubeObject;
type D = KubeObject;

interface Condition {
  type: string;
  status: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

// ------------------------------------------------------------------ pure helpers (deployment/util)

const replicasOf = (o: KubeObject): number => o.spec?.replicas ?? 1;

/** intstr.GetScaledValueFromIntOrPercent. */
export function scaledValue(v: number | string | undefined, total: number, roundUp: boolean, dflt: string): number {
  const x = v ?? dflt;
  if (typeof x === "number") return x;
  if (!x.endsWith("%")) {
    const n = Number(x);
    if (Number.isInteger(n)) return n;
    throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  }
  const p = Number.parseInt(x.slice(0, -1), 10);
  if (!Number.isFinite(p)) throw new Error(`invalid value "${x}": strconv.Atoi: parsing "${x.slice(0, -1)}": invalid syntax`);
  return roundUp ? Math.ceil((p * total) / 100) : Math.floor((p * total) / 100);
}

const isRolling = (d: D): boolean => (d.spec?.strategy?.type ?? "RollingUpdate") === "RollingUpdate";

/** ResolveFenceposts: surge rounds up, unavailable rounds down; both 0 → unavailable 1. */
export function resolveFenceposts(maxSurge: number | string | undefined, maxUnavailable: number | string | undefined, desired: number): [number, number] {
  const surge = scaledValue(maxSurge, desired, true, "25%");
  let unavailable = scaledValue(maxUnavailable, desired, false, "25%");
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

export function maxSurge(d: D): number {
  if (!isRolling(d)) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicasOf(d))[0];
}

export function maxUnavailable(d: D): number {
  const r = replicasOf(d);
  if (!isRolling(d) || r === 0) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  const u = resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, r)[1];
  return u > r ? r : u;
}

const sum = (rss: readonly (RS | undefined)[], f: (r: RS) => number): number => {
  let s = 0;
  for (const r of rss) if (r) s += f(r);
  return s;
};
const specReplicas = (rss: readonly (RS | undefined)[]) => sum(rss, (r) => r.spec?.replicas ?? 0);
const statusReplicas = (rss: readonly (RS | undefined)[]) => sum(rss, (r) => r.status?.replicas ?? 0);
const availableReplicas = (rss: readonly (RS | undefined)[]) => sum(rss, (r) => r.status?.availableReplicas ?? 0);
const readyReplicas = (rss: readonly (RS | undefined)[]) => sum(rss, (r) => r.status?.readyReplicas ?? 0);
const active = (rss: readonly (RS | undefined)[]): RS[] => rss.filter((r): r is RS => !!r && (r.spec?.replicas ?? 0) > 0);

function byCreation(a: RS, b: RS): number {
  const ta = a.metadata.creationTimestamp ?? "";
  const tb = b.metadata.creationTimestamp ?? "";
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0;
}

function annInt(rs: RS, key: string): number | undefined {
  const v = rs.metadata.annotations?.[key];
  if (v === undefined) return undefined;
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) ? n : undefined;
}

export function revisionOf(rs: RS): number {
  return annInt(rs, REVISION_ANNOTATION) ?? 0;
}

/** NewRSNewReplicas. */
export function newRSNewReplicas(d: D, allRSs: readonly RS[], newRS: RS): number {
  if (!isRolling(d)) return replicasOf(d);
  const current = specReplicas(allRSs);
  const maxTotal = replicasOf(d) + maxSurge(d);
  if (current >= maxTotal) return newRS.spec?.replicas ?? 0;
  let up = maxTotal - current;
  up = Math.min(up, replicasOf(d) - (newRS.spec?.replicas ?? 0));
  return (newRS.spec?.replicas ?? 0) + up;
}

/** getReplicaSetFraction (proportional scaling). */
function rsFraction(rs: RS, d: D): number {
  const r = replicasOf(d);
  if (r === 0) return -(rs.spec?.replicas ?? 0);
  const maxReplicas = r + maxSurge(d);
  let before = annInt(rs, MAX_REPLICAS_ANNOTATION);
  if (!before) {
    before = d.status?.replicas ?? 0;
    if (before === 0) return 0;
  }
  const size = ((rs.spec?.replicas ?? 0) * maxReplicas) / before!;
  // integer.RoundToInt32 = math.Round (half away from zero).
  const rounded = size < 0 ? -Math.round(-size) : Math.round(size);
  return rounded - (rs.spec?.replicas ?? 0);
}

function proportion(rs: RS, d: D, toAdd: number, added: number): number {
  if ((rs.spec?.replicas ?? 0) === 0 || toAdd === 0 || toAdd === added) return 0;
  const f = rsFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(f, allowed) : Math.max(f, allowed);
}

function getCondition(status: any, type: string): Condition | undefined {
  return (status?.conditions as Condition[] | undefined)?.find((c) => c.type === type);
}

/** SetDeploymentCondition: no-op when status and reason are unchanged; keeps lastTransitionTime on same status. */
function setCondition(status: any, c: Condition): void {
  const conds: Condition[] = status.conditions ?? [];
  const cur = conds.find((x) => x.type === c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return;
  if (cur && cur.status === c.status) c.lastTransitionTime = cur.lastTransitionTime;
  status.conditions = [...conds.filter((x) => x.type !== c.type), c];
}

function removeCondition(status: any, type: string): void {
  if (status.conditions) status.conditions = (status.conditions as Condition[]).filter((c) => c.type !== type);
}

function deploymentComplete(d: D, st: any): boolean {
  const r = replicasOf(d);
  return (
    (st?.updatedReplicas ?? 0) === r &&
    (st?.replicas ?? 0) === r &&
    (st?.availableReplicas ?? 0) === r &&
    (st?.observedGeneration ?? 0) >= (d.metadata.generation ?? 1)
  );
}

function deploymentProgressing(d: D, st: any): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (st.replicas ?? 0) - (st.updatedReplicas ?? 0);
  return (
    (st.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (st.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (st.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

const progressDeadline = (d: D): number | undefined => {
  const v = d.spec?.progressDeadlineSeconds;
  if (v === undefined) return 600;
  if (v === null || v === 2147483647) return undefined; // math.MaxInt32 = no deadline
  return v;
};

// ------------------------------------------------------------------ controller

export class DeploymentController implements Controller {
  readonly name = DEPLOYMENT_COMPONENT;
  private ctx!: ControllerContext;
  private queue!: KeyQueue;
  private unwatch: Array<() => void> = [];

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.queue = new KeyQueue(ctx.clock, (k) => this.sync(k));
    const { store } = ctx;
    const enqueueOwner = (o: KubeObject) => {
      const ref = controllerOf(o);
      if (ref?.kind === "Deployment") this.queue.add(`${o.metadata.namespace}/${ref.name}`);
    };
    this.unwatch.push(
      store.watch("Deployment", (ev) => {
        const o = ev.object;
        if (ev.type === "MODIFIED" && ev.old && ev.old.metadata.generation === o.metadata.generation && !o.metadata.deletionTimestamp) return;
        this.queue.add(`${o.metadata.namespace}/${o.metadata.name}`);
      }),
      store.watch("ReplicaSet", (ev) => enqueueOwner(ev.object)),
      // Recreate waits for old pods to be gone: wake on pod deletion.
      store.watch("Pod", (ev) => {
        if (ev.type !== "DELETED" && !(ev.type === "MODIFIED" && isTerminal(ev.object) && !isTerminal(ev.old!))) return;
        const ref = controllerOf(ev.object);
        if (ref?.kind !== "ReplicaSet") return;
        const rs = store.get("ReplicaSet", ev.object.metadata.namespace, ref.name);
        if (!rs) return;
        const dref = controllerOf(rs);
        if (dref?.kind !== "Deployment") return;
        const d = store.get("Deployment", rs.metadata.namespace, dref.name);
        if (d && !isRolling(d)) this.queue.add(`${d.metadata.namespace}/${d.metadata.name}`);
      }),
    );
    for (const d of store.list("Deployment")) this.queue.add(`${d.metadata.namespace}/${d.metadata.name}`);
  }

  stop(): void {
    for (const u of this.unwatch) u();
    this.unwatch = [];
  }

  private get store() {
    return this.ctx.store;
  }

  private now(): string {
    return this.ctx.clock.iso();
  }

  private rsList(d: D): RS[] {
    const uid = d.metadata.uid!;
    return this.store
      .dependentsOf(uid)
      .filter((o) => o.kind === "ReplicaSet" && controllerOf(o)?.uid === uid);
  }

  private sync(key: string): void {
    const [ns, name] = splitKey(key);
    let d = this.store.get<D>("Deployment", ns, name);
    if (!d) {
      this.queue.forget(key);
      return;
    }
    const rsList = this.rsList(d);
    if (d.metadata.deletionTimestamp) {
      const { newRS, oldRSs } = this.getAll(d, rsList, false);
      this.syncStatusOnly(d, newRS, oldRSs);
      return;
    }
    if (d.spec?.paused || this.isScalingEvent(d, rsList)) {
      this.syncScale(d, rsList);
      return;
    }
    if (isRolling(d)) this.rolloutRolling(d, rsList);
    else this.rolloutRecreate(d, rsList);
  }

  private fresh(d: D): D {
    return this.store.get<D>("Deployment", d.metadata.namespace, d.metadata.name!) ?? d;
  }

  // ---------------------------------------------------------------- new/old replica sets

  private getAll(d: D, rsList: RS[], create: boolean): { newRS: RS | undefined; oldRSs: RS[]; d: D } {
    // FindNewReplicaSet: the oldest RS whose template equals the deployment's (ignoring the hash label).
    const sorted = [...rsList].sort(byCreation);
    let existing: RS | undefined;
    for (const rs of sorted) {
      if (equalIgnoreHash(rs.spec?.template, d.spec?.template)) {
        existing = rs;
        break;
      }
    }
    const oldRSs = rsList.filter((r) => r !== existing);
    let maxOld = 0;
    for (const r of oldRSs) maxOld = Math.max(maxOld, revisionOf(r));
    const newRevision = String(maxOld + 1);
    if (existing) return { ...this.syncExistingNewRS(d, existing, newRevision), oldRSs };
    if (!create) return { newRS: undefined, oldRSs, d };
    return { ...this.createNewRS(d, oldRSs, newRevision), oldRSs };
  }

  private rsAnnotations(d: D, rs: RS | undefined, newRevision: string, desired: boolean): Record<string, string> {
    const ann: Record<string, string> = { ...(rs?.metadata.annotations ?? {}) };
    for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (!SKIP_COPY_ANNOTATIONS.has(k)) ann[k] = v;
    const oldRev = ann[REVISION_ANNOTATION];
    if (oldRev === undefined || Number.parseInt(oldRev, 10) < Number.parseInt(newRevision, 10)) ann[REVISION_ANNOTATION] = newRevision;
    if (desired) {
      ann[DESIRED_REPLICAS_ANNOTATION] = String(replicasOf(d));
      ann[MAX_REPLICAS_ANNOTATION] = String(replicasOf(d) + maxSurge(d));
    }
    return ann;
  }

  private syncExistingNewRS(d: D, rs: RS, newRevision: string): { newRS: RS; d: D } {
    const ann = this.rsAnnotations(d, rs, newRevision, false);
    const minReady = d.spec?.minReadySeconds ?? 0;
    let newRS = rs;
    if (JSON.stringify(ann) !== JSON.stringify(rs.metadata.annotations ?? {}) || (rs.spec?.minReadySeconds ?? 0) !== minReady) {
      newRS = this.store.update({
        ...rs,
        metadata: { ...rs.metadata, annotations: ann },
        spec: { ...rs.spec, minReadySeconds: minReady },
      });
    }
    d = this.setDeploymentRevision(d, newRS.metadata.annotations?.[REVISION_ANNOTATION]);
    if (progressDeadline(d) !== undefined && !getCondition(d.status, "Progressing")) {
      const status = structuredClone(d.status ?? {});
      const t = this.now();
      setCondition(status, {
        type: "Progressing",
        status: "True",
        lastUpdateTime: t,
        lastTransitionTime: t,
        reason: "FoundNewReplicaSet",
        message: `Found new replica set "${newRS.metadata.name}"`,
      });
      d = this.store.setStatus(d, status);
    }
    return { newRS, d };
  }

  private setDeploymentRevision(d: D, rev: string | undefined): D {
    if (rev === undefined || d.metadata.annotations?.[REVISION_ANNOTATION] === rev) return d;
    return this.store.update({ ...d, metadata: { ...d.metadata, annotations: { ...(d.metadata.annotations ?? {}), [REVISION_ANNOTATION]: rev } } });
  }

  private createNewRS(d: D, oldRSs: RS[], newRevision: string): { newRS: RS | undefined; d: D } {
    const { events } = this.ctx;
    for (let attempt = 0; attempt < 10; attempt++) {
      const collisionCount: number | undefined = d.status?.collisionCount;
      const template = structuredClone(d.spec?.template ?? {});
      const hash = computeHash(template, collisionCount);
      template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash } };
      const selector = structuredClone(d.spec?.selector ?? {});
      selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
      const name = `${d.metadata.name}-${hash}`;
      const rs: RS = {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        metadata: {
          name,
          namespace: d.metadata.namespace,
          labels: { ...(template.metadata.labels as Record<string, string>) },
          annotations: this.rsAnnotations(d, undefined, newRevision, true),
          ownerReferences: [ownerRef(d, true)],
        },
        spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
      };
      const allRSs = [...oldRSs, rs];
      const newReplicas = newRSNewReplicas(d, allRSs, rs);
      rs.spec.replicas = newReplicas;
      let created: RS;
      try {
        created = this.store.create(rs);
      } catch (e) {
        if (!isApiError(e, "AlreadyExists")) throw e;
        const other = this.store.get<RS>("ReplicaSet", d.metadata.namespace, name)!;
        if (controllerOf(other)?.uid === d.metadata.uid && equalIgnoreHash(other.spec?.template, d.spec?.template)) {
          return { newRS: other, d };
        }
        // Hash collision: bump status.collisionCount and retry with a new hash.
        d = this.store.setStatus(d, { ...(d.status ?? {}), collisionCount: (collisionCount ?? 0) + 1 });
        continue;
      }
      if (newReplicas > 0) {
        events.record(d, "Normal", "ScalingReplicaSet", `Scaled up replica set ${name} to ${newReplicas} from 0`, DEPLOYMENT_COMPONENT);
      }
      d = this.setDeploymentRevision(d, newRevision);
      if (progressDeadline(d) !== undefined) {
        const status = structuredClone(d.status ?? {});
        const t = this.now();
        setCondition(status, {
          type: "Progressing",
          status: "True",
          lastUpdateTime: t,
          lastTransitionTime: t,
          reason: "NewReplicaSetCreated",
          message: `Created new replica set "${name}"`,
        });
        d = this.store.setStatus(d, status);
      }
      return { newRS: created, d };
    }
    return { newRS: undefined, d };
  }

  // ---------------------------------------------------------------- scaling

  private scaleRS(rs: RS, newScale: number, d: D, op?: "up" | "down"): { scaled: boolean; rs: RS } {
    const cur = rs.spec?.replicas ?? 0;
    const sizeNeedsUpdate = cur !== newScale;
    const desired = String(replicasOf(d));
    const max = String(replicasOf(d) + maxSurge(d));
    const ann = rs.metadata.annotations ?? {};
    const annNeedsUpdate = ann[DESIRED_REPLICAS_ANNOTATION] !== desired || ann[MAX_REPLICAS_ANNOTATION] !== max;
    if (!sizeNeedsUpdate && !annNeedsUpdate) return { scaled: false, rs };
    const updated = this.store.update({
      ...rs,
      metadata: { ...rs.metadata, annotations: { ...ann, [DESIRED_REPLICAS_ANNOTATION]: desired, [MAX_REPLICAS_ANNOTATION]: max } },
      spec: { ...rs.spec, replicas: newScale },
    });
    if (sizeNeedsUpdate) {
      const operation = op ?? (cur < newScale ? "up" : "down");
      this.ctx.events.record(
        d,
        "Normal",
        "ScalingReplicaSet",
        `Scaled ${operation} replica set ${rs.metadata.name} to ${newScale} from ${cur}`,
        DEPLOYMENT_COMPONENT,
      );
    }
    return { scaled: sizeNeedsUpdate, rs: updated };
  }

  private isScalingEvent(d: D, rsList: RS[]): boolean {
    for (const rs of active(rsList)) {
      const desired = annInt(rs, DESIRED_REPLICAS_ANNOTATION);
      if (desired === undefined) continue;
      if (desired !== replicasOf(d)) return true;
    }
    return false;
  }

  private syncScale(d: D, rsList: RS[]): void {
    const r = this.getAll(d, rsList, false);
    d = r.d;
    let { newRS, oldRSs } = r;
    ({ newRS, oldRSs } = this.scale(d, newRS, oldRSs));
    if (d.spec?.paused) this.cleanup(oldRSs, d);
    this.syncStatusOnly(d, newRS, oldRSs);
  }

  /** DeploymentController.scale: proportional scaling across active replica sets. */
  private scale(d: D, newRS: RS | undefined, oldRSs: RS[]): { newRS: RS | undefined; oldRSs: RS[] } {
    const replace = (rs: RS) => {
      if (newRS && rs.metadata.uid === newRS.metadata.uid) newRS = rs;
      else oldRSs = oldRSs.map((o) => (o.metadata.uid === rs.metadata.uid ? rs : o));
    };
    // FindActiveOrLatest
    if (newRS || oldRSs.length) {
      const oldSorted = [...oldRSs].sort(byCreation).reverse();
      const all = active([...oldSorted, newRS]);
      let target: RS | undefined;
      if (all.length === 0) target = newRS ?? oldSorted[0];
      else if (all.length === 1) target = all[0];
      if (target) {
        if ((target.spec?.replicas ?? 0) !== replicasOf(d)) replace(this.scaleRS(target, replicasOf(d), d).rs);
        return { newRS, oldRSs };
      }
    }
    // IsSaturated
    if (
      newRS &&
      annInt(newRS, DESIRED_REPLICAS_ANNOTATION) === replicasOf(d) &&
      (newRS.status?.availableReplicas ?? 0) === replicasOf(d) &&
      (newRS.spec?.replicas ?? 0) === replicasOf(d)
    ) {
      for (const old of active(oldRSs)) replace(this.scaleRS(old, 0, d).rs);
      return { newRS, oldRSs };
    }
    if (isRolling(d)) {
      const all = active([...oldRSs, newRS]);
      const allReplicas = specReplicas(all);
      const allowed = replicasOf(d) > 0 ? replicasOf(d) + maxSurge(d) : 0;
      const toAdd = allowed - allReplicas;
      let op: "up" | "down" | undefined;
      if (toAdd > 0) {
        // ReplicaSetsBySizeNewer
        all.sort((a, b) => (b.spec.replicas - a.spec.replicas) || byCreation(b, a));
        op = "up";
      } else if (toAdd < 0) {
        // ReplicaSetsBySizeOlder
        all.sort((a, b) => (b.spec.replicas - a.spec.replicas) || byCreation(a, b));
        op = "down";
      }
      const sizes = new Map<string, number>();
      let added = 0;
      for (const rs of all) {
        if (toAdd !== 0) {
          const p = proportion(rs, d, toAdd, added);
          sizes.set(rs.metadata.name!, rs.spec.replicas + p);
          added += p;
        } else sizes.set(rs.metadata.name!, rs.spec.replicas);
      }
      if (toAdd !== added && all.length > 0) {
        const n = all[0]!.metadata.name!;
        sizes.set(n, Math.max(0, sizes.get(n)! + toAdd - added));
      }
      for (const rs of all) replace(this.scaleRS(rs, sizes.get(rs.metadata.name!)!, d, op).rs);
    }
    return { newRS, oldRSs };
  }

  // ---------------------------------------------------------------- rollouts

  private rolloutRolling(d: D, rsList: RS[]): void {
    const r = this.getAll(d, rsList, true);
    d = r.d;
    let newRS = r.newRS;
    let oldRSs = r.oldRSs;
    const all = () => [...oldRSs, ...(newRS ? [newRS] : [])];
    // reconcileNewReplicaSet
    if (newRS && (newRS.spec?.replicas ?? 0) !== replicasOf(d)) {
      const target = (newRS.spec?.replicas ?? 0) > replicasOf(d) ? replicasOf(d) : newRSNewReplicas(d, all(), newRS);
      const res = this.scaleRS(newRS, target, d);
      newRS = res.rs;
      if (res.scaled) return this.syncRolloutStatus(d, newRS, oldRSs);
    }
    // reconcileOldReplicaSets
    if (this.reconcileOld(d, newRS, oldRSs, (rs) => (oldRSs = oldRSs.map((o) => (o.metadata.uid === rs.metadata.uid ? rs : o))))) {
      return this.syncRolloutStatus(d, newRS, oldRSs);
    }
    if (deploymentComplete(d, d.status)) this.cleanup(oldRSs, d);
    this.syncRolloutStatus(d, newRS, oldRSs);
  }

  private reconcileOld(d: D, newRS: RS | undefined, oldRSsAll: RS[], replace: (rs: RS) => void): boolean {
    let oldRSs = active(oldRSsAll);
    const oldPods = specReplicas(oldRSs);
    if (oldPods === 0) return false;
    const allPods = specReplicas([...oldRSsAll, newRS]);
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const newUnavailable = (newRS?.spec?.replicas ?? 0) - (newRS?.status?.availableReplicas ?? 0);
    const maxScaledDown = allPods - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    // cleanupUnhealthyReplicas
    let cleaned = 0;
    oldRSs = [...oldRSs].sort(byCreation);
    for (let i = 0; i < oldRSs.length; i++) {
      if (cleaned >= maxScaledDown) break;
      const rs = oldRSs[i]!;
      if ((rs.spec?.replicas ?? 0) === 0) continue;
      const unhealthy = rs.spec.replicas - (rs.status?.availableReplicas ?? 0);
      if (unhealthy <= 0) continue;
      const down = Math.min(maxScaledDown - cleaned, unhealthy);
      const res = this.scaleRS(rs, rs.spec.replicas - down, d);
      oldRSs[i] = res.rs;
      replace(res.rs);
      cleaned += down;
    }
    // scaleDownOldReplicaSetsForRollingUpdate
    let scaledDown = 0;
    const allRSs = [...oldRSs, newRS];
    const availablePods = availableReplicas(allRSs);
    if (availablePods > minAvailable) {
      const total = availablePods - minAvailable;
      for (const rs of oldRSs) {
        if (scaledDown >= total) break;
        if ((rs.spec?.replicas ?? 0) === 0) continue;
        const down = Math.min(rs.spec.replicas, total - scaledDown);
        const res = this.scaleRS(rs, rs.spec.replicas - down, d);
        replace(res.rs);
        scaledDown += down;
      }
    }
    return cleaned + scaledDown > 0;
  }

  private rolloutRecreate(d: D, rsList: RS[]): void {
    let r = this.getAll(d, rsList, false);
    d = r.d;
    let newRS = r.newRS;
    let oldRSs = r.oldRSs;
    let scaledDown = false;
    for (const rs of active(oldRSs)) {
      const res = this.scaleRS(rs, 0, d);
      oldRSs = oldRSs.map((o) => (o.metadata.uid === rs.metadata.uid ? res.rs : o));
      if (res.scaled) scaledDown = true;
    }
    if (scaledDown) return this.syncRolloutStatus(d, newRS, oldRSs);
    if (this.oldPodsRunning(oldRSs)) return this.syncRolloutStatus(d, newRS, oldRSs);
    if (!newRS) {
      r = this.getAll(d, rsList, true);
      d = r.d;
      newRS = r.newRS;
      oldRSs = r.oldRSs;
    }
    if (newRS) newRS = this.scaleRS(newRS, replicasOf(d), d).rs;
    if (deploymentComplete(d, d.status)) this.cleanup(oldRSs, d);
    this.syncRolloutStatus(d, newRS, oldRSs);
  }

  private oldPodsRunning(oldRSs: RS[]): boolean {
    if (statusReplicas(oldRSs) > 0) return true;
    for (const rs of oldRSs) {
      for (const p of ownedPods(this.store, rs)) {
        // Failed/Succeeded pods are not running; anything else (incl. terminating or Unknown) is.
        if (!isTerminal(p)) return true;
      }
    }
    return false;
  }

  /** cleanupDeployment: keep revisionHistoryLimit old replica sets (oldest revisions go first). */
  private cleanup(oldRSs: RS[], d: D): void {
    const limit = d.spec?.revisionHistoryLimit ?? 10;
    if (limit === null) return;
    const alive = oldRSs.filter((r) => !r.metadata.deletionTimestamp);
    const diff = alive.length - limit;
    if (diff <= 0) return;
    alive.sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    for (let i = 0; i < diff; i++) {
      const rs = this.store.get<RS>("ReplicaSet", alive[i]!.metadata.namespace, alive[i]!.metadata.name!);
      if (!rs) continue;
      if ((rs.status?.replicas ?? 0) !== 0 || (rs.spec?.replicas ?? 0) !== 0) continue;
      if ((rs.metadata.generation ?? 1) > (rs.status?.observedGeneration ?? 0) || rs.metadata.deletionTimestamp) continue;
      this.store.delete("ReplicaSet", rs.metadata.namespace, rs.metadata.name!);
    }
  }

  // ---------------------------------------------------------------- status

  private calculateStatus(d: D, newRS: RS | undefined, oldRSs: RS[]): any {
    const all = [...oldRSs, newRS];
    const avail = availableReplicas(all);
    const total = specReplicas(all);
    const status: any = structuredClone(d.status ?? {});
    status.observedGeneration = d.metadata.generation ?? 1;
    status.replicas = statusReplicas(all);
    status.updatedReplicas = statusReplicas([newRS]);
    status.readyReplicas = readyReplicas(all);
    status.availableReplicas = avail;
    status.unavailableReplicas = Math.max(0, total - avail);
    const t = this.now();
    if (avail >= replicasOf(d) - maxUnavailable(d)) {
      setCondition(status, {
        type: "Available",
        status: "True",
        lastUpdateTime: t,
        lastTransitionTime: t,
        reason: "MinimumReplicasAvailable",
        message: "Deployment has minimum availability.",
      });
    } else {
      setCondition(status, {
        type: "Available",
        status: "False",
        lastUpdateTime: t,
        lastTransitionTime: t,
        reason: "MinimumReplicasUnavailable",
        message: "Deployment does not have minimum availability.",
      });
    }
    // Condition order as upstream lists them: Available before Progressing.
    if (status.conditions) status.conditions.sort((a: Condition, b: Condition) => (a.type === b.type ? 0 : a.type === "Available" ? -1 : b.type === "Available" ? 1 : 0));
    return status;
  }

  private syncStatusOnly(d: D, newRS: RS | undefined, oldRSs: RS[]): void {
    d = this.fresh(d);
    const status = this.calculateStatus(d, newRS, oldRSs);
    this.writeStatus(d, status);
  }

  private syncRolloutStatus(d: D, newRS: RS | undefined, oldRSs: RS[]): void {
    d = this.fresh(d);
    const st = this.calculateStatus(d, newRS, oldRSs);
    const deadline = progressDeadline(d);
    if (deadline === undefined) removeCondition(st, "Progressing");
    const cur = getCondition(d.status, "Progressing");
    const isComplete = st.replicas === st.updatedReplicas && cur?.reason === "NewReplicaSetAvailable";
    const t = this.now();
    if (deadline !== undefined && !isComplete) {
      if (deploymentComplete(d, st)) {
        setCondition(st, {
          type: "Progressing",
          status: "True",
          lastUpdateTime: t,
          lastTransitionTime: t,
          reason: "NewReplicaSetAvailable",
          message: newRS ? `ReplicaSet "${newRS.metadata.name}" has successfully progressed.` : `Deployment "${d.metadata.name}" has successfully progressed.`,
        });
      } else if (deploymentProgressing(d, st)) {
        const c: Condition = {
          type: "Progressing",
          status: "True",
          lastUpdateTime: t,
          lastTransitionTime: t,
          reason: "ReplicaSetUpdated",
          message: newRS ? `ReplicaSet "${newRS.metadata.name}" is progressing.` : `Deployment "${d.metadata.name}" is progressing.`,
        };
        if (cur) {
          if (cur.status === "True") c.lastTransitionTime = cur.lastTransitionTime;
          removeCondition(st, "Progressing");
        }
        setCondition(st, c);
      } else if (cur && cur.reason !== "NewReplicaSetAvailable") {
        const timedOut =
          cur.reason === "ProgressDeadlineExceeded" ||
          (cur.lastUpdateTime !== undefined && this.ctx.clock.parseIso(cur.lastUpdateTime) + deadline * 1000 < this.ctx.clock.now());
        if (timedOut) {
          setCondition(st, {
            type: "Progressing",
            status: "False",
            lastUpdateTime: t,
            lastTransitionTime: t,
            reason: "ProgressDeadlineExceeded",
            message: `ReplicaSet "${newRS?.metadata.name ?? d.metadata.name}" has timed out progressing.`,
          });
        }
      }
    }
    if (!this.writeStatus(d, st)) this.requeueStuck(d, st);
    else this.requeueStuck(this.fresh(d), st);
  }

  /** requeueStuckDeployment: wake when the progress deadline would pass. */
  private requeueStuck(d: D, st: any): void {
    const deadline = progressDeadline(d);
    const cur = getCondition(st, "Progressing");
    if (deadline === undefined || !cur || cur.reason === "NewReplicaSetAvailable" || cur.reason === "ProgressDeadlineExceeded") return;
    if (deploymentComplete(d, st) || !cur.lastUpdateTime) return;
    const after = this.ctx.clock.parseIso(cur.lastUpdateTime) + deadline * 1000 - this.ctx.clock.now();
    this.queue.add(`${d.metadata.namespace}/${d.metadata.name}`, after < 1000 ? 0 : after + 1000);
  }

  private writeStatus(d: D, status: any): boolean {
    if (JSON.stringify(status) === JSON.stringify(d.status ?? {})) return false;
    this.store.setStatus(d, status);
    // Upstream's informer re-queues the deployment on its own status update; the next sync then sees
    // the new status (e.g. DeploymentComplete → cleanup) and settles.
    this.queue.add(`${d.metadata.namespace}/${d.metadata.name}`, 1);
    return true;
  }
}
