/**
 * StatefulSet controller (pkg/controller/statefulset, 1.32), scaling part: pods `<name>-<ordinal>`
 * with the statefulset.kubernetes.io/pod-name, apps.kubernetes.io/pod-index and
 * controller-revision-hash labels, hostname/subdomain; OrderedReady (create ordinal i only when
 * 0..i-1 are Running and Ready; scale down from the highest ordinal, one at a time, only while all
 * others are healthy) and Parallel; failed pods are deleted and recreated; status.
 * Not modelled: rolling template updates (partition), PVC templates, ControllerRevision objects
 * (the revision hash is our template hash, see hash.ts), start ordinal.
 */
import type { Controller, ControllerContext } from "../../api/controller.js";
import { controllerOf, type KubeObject } from "../../api/meta.js";
import { computeHash } from "./hash.js";
import { ownedPods, podFromTemplate } from "./replicaset.js";
import { isPodAvailable, isPodReady, KeyQueue, splitKey } from "./util.js";

export const STS_COMPONENT = "statefulset-controller";

export class StatefulSetController implements Controller {
  readonly name = STS_COMPONENT;
  private ctx!: ControllerContext;
  private queue!: KeyQueue;
  private unwatch: Array<() => void> = [];

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.queue = new KeyQueue(ctx.clock, (k) => this.sync(k));
    const { store } = ctx;
    this.unwatch.push(
      store.watch("StatefulSet", (ev) => {
        const o = ev.object;
        if (ev.type === "MODIFIED" && ev.old?.metadata.generation === o.metadata.generation && !o.metadata.deletionTimestamp) return;
        this.queue.add(`${o.metadata.namespace}/${o.metadata.name}`);
      }),
      store.watch("Pod", (ev) => {
        const ref = controllerOf(ev.object);
        if (ref?.kind === "StatefulSet") this.queue.add(`${ev.object.metadata.namespace}/${ref.name}`);
      }),
    );
    for (const s of store.list("StatefulSet")) this.queue.add(`${s.metadata.namespace}/${s.metadata.name}`);
  }

  stop(): void {
    for (const u of this.unwatch) u();
    this.unwatch = [];
  }

  private sync(key: string): void {
    const { store, events, clock } = this.ctx;
    const [ns, name] = splitKey(key);
    const sts = store.get("StatefulSet", ns, name);
    if (!sts) return;
    const replicas: number = sts.spec?.replicas ?? 1;
    const monotonic = (sts.spec?.podManagementPolicy ?? "OrderedReady") === "OrderedReady";
    const revision = `${name}-${computeHash(sts.spec?.template)}`;
    const byOrdinal = new Map<number, KubeObject>();
    const ordinalOf = (p: KubeObject) => {
      const m = /-(\d+)$/.exec(p.metadata.name!);
      return m && p.metadata.name === `${name}-${m[1]}` ? Number(m[1]) : -1;
    };
    for (const p of ownedPods(store, sts)) {
      const o = ordinalOf(p);
      if (o >= 0) byOrdinal.set(o, p);
    }
    const healthy = (p: KubeObject | undefined) => !!p && !p.metadata.deletionTimestamp && p.status?.phase === "Running" && isPodReady(p);
    const record = (verb: string, pod: string, reason: string) =>
      events.record(sts, "Normal", reason, `${verb} Pod ${pod} in StatefulSet ${name} successful`, STS_COMPONENT);

    if (!sts.metadata.deletionTimestamp) {
      let blocked = false;
      for (let i = 0; i < replicas && !blocked; i++) {
        const p = byOrdinal.get(i);
        if (p && p.status?.phase === "Failed" && !p.metadata.deletionTimestamp) {
          store.delete("Pod", ns, p.metadata.name!);
          record("delete", p.metadata.name!, "SuccessfulDelete");
          byOrdinal.delete(i);
          this.queue.add(key, 1);
          if (monotonic) blocked = true;
          continue;
        }
        if (!byOrdinal.has(i) || !store.get("Pod", ns, `${name}-${i}`)) {
          const pod = podFromTemplate(sts.spec?.template, sts, "");
          const podName = `${name}-${i}`;
          pod.metadata.name = podName;
          delete pod.metadata.generateName;
          pod.metadata.labels = {
            ...(pod.metadata.labels ?? {}),
            "controller-revision-hash": revision,
            "statefulset.kubernetes.io/pod-name": podName,
            "apps.kubernetes.io/pod-index": String(i),
          };
          pod.spec.hostname = podName;
          if (sts.spec?.serviceName) pod.spec.subdomain = sts.spec.serviceName;
          byOrdinal.set(i, store.create(pod));
          record("create", podName, "SuccessfulCreate");
          if (monotonic) blocked = true;
          continue;
        }
        if (monotonic && !healthy(byOrdinal.get(i))) blocked = true;
      }
      // Condemned pods, highest ordinal first.
      const condemned = [...byOrdinal.keys()].filter((o) => o >= replicas).sort((a, b) => b - a);
      for (const o of condemned) {
        if (blocked) break;
        const p = byOrdinal.get(o)!;
        if (p.metadata.deletionTimestamp) {
          if (monotonic) break; // wait for graceful termination
          continue;
        }
        if (monotonic) {
          let allHealthy = true;
          for (const [k, q] of byOrdinal) if (k !== o && !q.metadata.deletionTimestamp && !healthy(q) && k < replicas) allHealthy = false;
          if (!allHealthy) break;
        }
        store.delete("Pod", ns, p.metadata.name!);
        record("delete", p.metadata.name!, "SuccessfulDelete");
        if (monotonic) {
          // The pod's deletion event arrives while we are syncing; look again once it has settled.
          this.queue.add(key, 1);
          break;
        }
      }
    }
    // Status.
    let count = 0;
    let ready = 0;
    let available = 0;
    let updated = 0;
    const minReady = sts.spec?.minReadySeconds ?? 0;
    for (const p of ownedPods(store, sts)) {
      if (p.metadata.deletionTimestamp || ordinalOf(p) < 0) continue;
      if (p.status?.phase === "Failed" || p.status?.phase === "Succeeded") continue;
      count++;
      if (p.metadata.labels?.["controller-revision-hash"] === revision) updated++;
      if (isPodReady(p)) {
        ready++;
        if (isPodAvailable(p, minReady, clock.now(), clock)) available++;
      }
    }
    const st = sts.status ?? {};
    const next = {
      ...st,
      observedGeneration: sts.metadata.generation ?? 1,
      replicas: count,
      readyReplicas: ready,
      currentReplicas: updated,
      updatedReplicas: updated,
      availableReplicas: available,
      currentRevision: revision,
      updateRevision: revision,
      collisionCount: st.collisionCount ?? 0,
    };
    if (JSON.stringify(next) !== JSON.stringify(st)) store.setStatus(store.get("StatefulSet", ns, name)!, next);
  }
}
