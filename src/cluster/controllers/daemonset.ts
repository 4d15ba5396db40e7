/**
 * DaemonSet controller (pkg/controller/daemon, 1.32): one pod per eligible node. Pods get the
 * default DaemonSet tolerations (util.AddOrUpdateDaemonPodTolerations) and a required node affinity
 * `matchFields metadata.name In [<node>]` (ReplaceDaemonSetPodNodeNameNodeAffinity), so the default
 * scheduler binds them (ScheduleDaemonSetPods, GA since 1.17).
 *
 * Eligibility (NodeShouldRunDaemonPod): nodeSelector, required node affinity, and NoSchedule /
 * NoExecute taints tolerated by the pod. TODO: switch to the shared src/scheduling fit model when it
 * lands (resources are deliberately not checked, as upstream since 1.18).
 * Not modelled: rolling update of the template (pods are not replaced on template change), surge.
 */
import type { Controller, ControllerContext } from "../../api/controller.js";
import { controllerOf, type KubeObject } from "../../api/meta.js";
import { nodeSelectorMatches } from "../../core/nodeselector.js";
import { ownedPods, podChangeMatters, podFromTemplate } from "./replicaset.js";
import { isPodActive, isPodAvailable, isPodReady, isTerminal, KeyQueue, splitKey } from "./util.js";

export const DS_COMPONENT = "daemonset-controller";

interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}
interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key === undefined || t.key === "") {
    return t.operator === "Exists";
  }
  if (t.key !== taint.key) return false;
  if (t.operator === "Exists") return true;
  return (t.value ?? "") === (taint.value ?? "");
}

/** util.AddOrUpdateDaemonPodTolerations. */
export function daemonPodTolerations(spec: any): Toleration[] {
  const out: Toleration[] = [...(spec.tolerations ?? [])];
  const add = (key: string, effect: string) => {
    if (!out.some((t) => t.key === key && t.effect === effect && t.operator === "Exists")) out.push({ key, operator: "Exists", effect });
  };
  add("node.kubernetes.io/not-ready", "NoExecute");
  add("node.kubernetes.io/unreachable", "NoExecute");
  add("node.kubernetes.io/disk-pressure", "NoSchedule");
  add("node.kubernetes.io/memory-pressure", "NoSchedule");
  add("node.kubernetes.io/pid-pressure", "NoSchedule");
  add("node.kubernetes.io/unschedulable", "NoSchedule");
  if (spec.hostNetwork) add("node.kubernetes.io/network-unavailable", "NoSchedule");
  return out;
}

/** `tols`: the pod's tolerations with the daemon defaults added (computed once for many nodes). */
export function nodeShouldRunDaemonPod(podSpec: any, node: KubeObject, tols: readonly Toleration[] = daemonPodTolerations(podSpec)): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries((podSpec.nodeSelector ?? {}) as Record<string, string>)) if (labels[k] !== v) return false;
  const req = podSpec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (req && !nodeSelectorMatches(req, labels, node.metadata.name!)) return false;
  for (const taint of (node.spec?.taints ?? []) as Taint[]) {
    if (taint.effect !== "NoSchedule" && taint.effect !== "NoExecute") continue;
    if (!tols.some((t) => tolerates(t, taint))) return false;
  }
  return true;
}

/** What a DaemonSet sync reads of a pod changed (podChangeMatters, plus owner references and spec). */
function daemonPodChangeMatters(old: KubeObject, cur: KubeObject): boolean {
  return podChangeMatters(old, cur) || old.metadata.ownerReferences !== cur.metadata.ownerReferences || old.spec !== cur.spec;
}

/** The node a daemon pod targets: spec.nodeName, else its matchFields metadata.name affinity. */
export function daemonPodNode(p: KubeObject): string | undefined {
  if (p.spec?.nodeName) return p.spec.nodeName;
  const terms = p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const t of terms) for (const f of t.matchFields ?? []) if (f.key === "metadata.name" && f.operator === "In") return f.values?.[0];
  return undefined;
}

export class DaemonSetController implements Controller {
  readonly name = DS_COMPONENT;
  private ctx!: ControllerContext;
  private queue!: KeyQueue;
  private unwatch: Array<() => void> = [];
  private all = new Set<string>();

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.queue = new KeyQueue(ctx.clock, (k) => this.sync(k));
    const { store } = ctx;
    const enqueueAll = () => {
      for (const k of this.all) this.queue.add(k);
    };
    this.unwatch.push(
      store.watch("DaemonSet", (ev) => {
        const o = ev.object;
        const key = `${o.metadata.namespace}/${o.metadata.name}`;
        if (ev.type === "DELETED") this.all.delete(key);
        else this.all.add(key);
        if (ev.type === "MODIFIED" && ev.old?.metadata.generation === o.metadata.generation && !o.metadata.deletionTimestamp) return;
        this.queue.add(key);
      }),
      store.watch("Node", (ev) => {
        if (ev.type === "MODIFIED" && ev.old && JSON.stringify(ev.old.metadata.labels) === JSON.stringify(ev.object.metadata.labels) && JSON.stringify(ev.old.spec?.taints) === JSON.stringify(ev.object.spec?.taints)) return;
        enqueueAll();
      }),
      store.watch("Pod", (ev) => {
        const ref = controllerOf(ev.object);
        if (ref?.kind !== "DaemonSet") return;
        const ns = ev.object.metadata.namespace;
        if (ev.type === "MODIFIED" && ev.old && !daemonPodChangeMatters(ev.old, ev.object)) {
          // Nothing a sync reads changed (the kubelet's other status writes): the last sync stands,
          // unless availability depends on time (minReadySeconds).
          const ds = store.get("DaemonSet", ns, ref.name);
          if (ds && !ds.metadata.deletionTimestamp && !(ds.spec?.minReadySeconds > 0)) return;
        }
        this.queue.add(`${ns}/${ref.name}`);
      }),
    );
    for (const ds of store.list("DaemonSet")) {
      this.all.add(`${ds.metadata.namespace}/${ds.metadata.name}`);
      this.queue.add(`${ds.metadata.namespace}/${ds.metadata.name}`);
    }
  }

  stop(): void {
    for (const u of this.unwatch) u();
    this.unwatch = [];
  }

  private sync(key: string): void {
    const { store, events, clock } = this.ctx;
    const [ns, name] = splitKey(key);
    const ds = store.get("DaemonSet", ns, name);
    if (!ds) return;
    const index = () => {
      const m = new Map<string, KubeObject[]>();
      for (const p of ownedPods(store, ds)) {
        const n = daemonPodNode(p);
        if (!n) continue;
        let l = m.get(n);
        if (!l) m.set(n, (l = []));
        l.push(p);
      }
      return m;
    };
    let byNode = index();
    const nodes = store.list("Node");
    const tmplSpec = ds.spec?.template?.spec ?? {};
    let desired = 0;
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let available = 0;
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const now = clock.now();
    const tols = daemonPodTolerations(tmplSpec);
    const shouldRun = nodes.map((n) => nodeShouldRunDaemonPod(tmplSpec, n, tols));
    let wrote = false;
    nodes.forEach((node, i) => {
      const nn = node.metadata.name!;
      const should = shouldRun[i]!;
      const pods = (byNode.get(nn) ?? []).filter((p) => !p.metadata.deletionTimestamp);
      if (!ds.metadata.deletionTimestamp) {
        if (should) {
          // Failed daemon pods are deleted and recreated.
          for (const p of pods.filter(isTerminal)) {
            if (p.status?.phase === "Failed") {
              events.record(ds, "Warning", "FailedDaemonPod", `Found failed daemon pod ${p.metadata.namespace}/${p.metadata.name} on node ${nn}, will try to kill it`, DS_COMPONENT);
              store.delete("Pod", p.metadata.namespace, p.metadata.name!);
              wrote = true;
            }
          }
          const live = pods.filter((p) => !isTerminal(p));
          if (live.length === 0) {
            this.createPod(ds, nn);
            wrote = true;
          } else if (live.length > 1) {
            // Keep the oldest, delete the rest.
            live.sort((a, b) => (a.metadata.creationTimestamp! < b.metadata.creationTimestamp! ? -1 : 1));
            for (const p of live.slice(1)) this.deletePod(ds, p);
            wrote = true;
          }
        } else if (pods.length > 0) {
          for (const p of pods) this.deletePod(ds, p);
          wrote = true;
        }
      }
    });
    if (wrote) byNode = index();
    nodes.forEach((node, i) => {
      const nn = node.metadata.name!;
      const should = shouldRun[i]!;
      if (should) desired++;
      const live = (byNode.get(nn) ?? []).filter(isPodActive);
      if (live.length > 0) {
        if (should) current++;
        else misscheduled++;
        const p = live[0]!;
        if (should && isPodReady(p)) {
          ready++;
          if (isPodAvailable(p, minReady, now, clock)) available++;
        }
      }
    });
    // Pods for nodes that no longer exist are left to pod GC.
    const st = ds.status ?? {};
    const next = {
      ...st,
      desiredNumberScheduled: desired,
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      numberReady: ready,
      numberAvailable: available,
      numberUnavailable: Math.max(0, desired - available),
      updatedNumberScheduled: current,
      observedGeneration: ds.metadata.generation ?? 1,
    };
    if (JSON.stringify(next) !== JSON.stringify(st)) store.setStatus(store.get("DaemonSet", ns, name)!, next);
  }

  private createPod(ds: KubeObject, node: string): void {
    const { store, events } = this.ctx;
    const pod = podFromTemplate(ds.spec?.template, ds, `${ds.metadata.name}-`);
    pod.spec.tolerations = daemonPodTolerations(pod.spec);
    const aff = { ...(pod.spec.affinity ?? {}) };
    aff.nodeAffinity = {
      ...(aff.nodeAffinity ?? {}),
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [node] }] }],
      },
    };
    pod.spec.affinity = aff;
    const created = store.create(pod, { owned: true });
    events.record(ds, "Normal", "SuccessfulCreate", `Created pod: ${created.metadata.name}`, DS_COMPONENT);
  }

  private deletePod(ds: KubeObject, p: KubeObject): void {
    const { store, events } = this.ctx;
    if (!store.get("Pod", p.metadata.namespace, p.metadata.name!)) return;
    store.delete("Pod", p.metadata.namespace, p.metadata.name!);
    events.record(ds, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata.name}`, DS_COMPONENT);
  }
}
