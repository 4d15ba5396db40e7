/**
 * Pod garbage collector (pkg/controller/podgc, 1.32), the orphan part: pods bound to a node that no
 * longer exists are force-deleted after the 40 s quarantine (gcCheckPeriod 20 s, quarantineTime
 * 40 s), first marked Failed with a DisruptionTarget condition (reason DeletionByPodGC), as the
 * PodDisruptionConditions feature (GA in 1.31) does. Keeps its own nodeName → pods index.
 * Not modelled: the terminated-pod threshold (12500) and out-of-service-taint GC.
 */
import type { Controller, ControllerContext } from "../../api/controller.js";
import type { KubeObject } from "../../api/meta.js";
import { isTerminal } from "./util.js";

export const PODGC_COMPONENT = "pod-garbage-collector";
export const QUARANTINE_MS = 40_000;

export class PodGCController implements Controller {
  readonly name = PODGC_COMPONENT;
  private ctx!: ControllerContext;
  private byNode = new Map<string, Set<string>>();
  private unwatch: Array<() => void> = [];

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    const { store } = ctx;
    const index = (p: KubeObject | undefined, add: boolean) => {
      const n = p?.spec?.nodeName;
      if (!n) return;
      const key = `${p!.metadata.namespace}/${p!.metadata.name}`;
      let s = this.byNode.get(n);
      if (add) {
        if (!s) this.byNode.set(n, (s = new Set()));
        s.add(key);
      } else if (s) {
        s.delete(key);
        if (s.size === 0) this.byNode.delete(n);
      }
    };
    this.unwatch.push(
      store.watch("Pod", (ev) => {
        if (ev.old?.spec?.nodeName !== ev.object.spec?.nodeName || ev.type !== "MODIFIED") {
          index(ev.old, false);
          if (ev.type !== "DELETED") index(ev.object, true);
        }
        if (ev.type === "ADDED" && ev.object.spec?.nodeName && !store.get("Node", undefined, ev.object.spec.nodeName)) {
          this.schedule(ev.object.spec.nodeName);
        }
      }),
      store.watch("Node", (ev) => {
        if (ev.type === "DELETED") this.schedule(ev.object.metadata.name!);
      }),
    );
    for (const p of store.list("Pod")) index(p, true);
    for (const n of this.byNode.keys()) if (!store.get("Node", undefined, n)) this.schedule(n);
  }

  stop(): void {
    for (const u of this.unwatch) u();
    this.unwatch = [];
  }

  private pending = new Set<string>();
  private schedule(node: string): void {
    if (this.pending.has(node)) return;
    this.pending.add(node);
    this.ctx.clock.after(QUARANTINE_MS, () => {
      this.pending.delete(node);
      this.gcNode(node);
    });
  }

  private gcNode(node: string): void {
    const { store, clock, logs } = this.ctx;
    if (store.get("Node", undefined, node)) return;
    const log = logs.logger("kube-controller-manager");
    for (const key of [...(this.byNode.get(node) ?? [])]) {
      const i = key.indexOf("/");
      const ns = key.slice(0, i);
      const name = key.slice(i + 1);
      const p = store.get("Pod", ns, name);
      if (!p || p.spec?.nodeName !== node) continue;
      log.info("Found orphaned Pod assigned to the Node, deleting", { pod: key, node });
      if (!isTerminal(p)) {
        const conds = [...((p.status?.conditions ?? []) as any[]).filter((c) => c.type !== "DisruptionTarget")];
        conds.push({ type: "DisruptionTarget", status: "True", lastTransitionTime: clock.iso(), reason: "DeletionByPodGC", message: "PodGC: node no longer exists" });
        store.setStatus(p, { ...(p.status ?? {}), phase: "Failed", conditions: conds });
      }
      store.delete("Pod", ns, name, { gracePeriodSeconds: 0 });
      if (store.get("Pod", ns, name)) store.forceRemove("Pod", ns, name);
      log.info("Forced deletion of orphaned Pod succeeded", { pod: key });
    }
  }
}
