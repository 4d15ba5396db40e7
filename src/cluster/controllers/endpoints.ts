/**
 * Endpoints controller (pkg/controller/endpoint, 1.32): for every Service with a selector, an
 * Endpoints object of the same name whose single subset lists Ready pods under `addresses` and
 * not-ready ones under `notReadyAddresses` (all under addresses with publishNotReadyAddresses).
 * Pods without an IP or being deleted are skipped; ports resolve targetPort by number or by
 * container port name. (Upstream repacks subsets by port set; with one port set this is the same.)
 */
import type { Controller, ControllerContext } from "../../api/controller.js";
import type { KubeObject } from "../../api/meta.js";
import { fromLabelMap } from "../../core/labels.js";
import { isPodReady, isTerminal, KeyQueue, splitKey } from "./util.js";

export const EP_COMPONENT = "endpoint-controller";

function resolvePort(port: any, pod: KubeObject): number | undefined {
  const tp = port.targetPort ?? port.port;
  if (typeof tp === "number") return tp;
  if (/^\d+$/.test(tp)) return Number(tp);
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === tp && (p.protocol ?? "TCP") === (port.protocol ?? "TCP")) return p.containerPort;
  return undefined;
}

/** The fields of a pod an Endpoints object reflects, as one comparable string. */
function endpointView(p: KubeObject): string {
  return `${p.status?.podIP ?? ""}|${isPodReady(p)}|${p.metadata.deletionTimestamp ?? ""}|${isTerminal(p)}|${p.spec?.nodeName ?? ""}|${
    p.metadata.labels === undefined ? "" : JSON.stringify(p.metadata.labels)
  }|${p.metadata.uid}`;
}

export class EndpointsController implements Controller {
  readonly name = EP_COMPONENT;
  private ctx!: ControllerContext;
  private queue!: KeyQueue;
  private unwatch: Array<() => void> = [];
  /** namespace → service name → selector labels. */
  private services = new Map<string, Map<string, Record<string, string>>>();

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.queue = new KeyQueue(ctx.clock, (k) => this.sync(k));
    const { store } = ctx;
    const track = (svc: KubeObject, del: boolean) => {
      const ns = svc.metadata.namespace!;
      let m = this.services.get(ns);
      if (!m) this.services.set(ns, (m = new Map()));
      if (del || !svc.spec?.selector) m.delete(svc.metadata.name!);
      else m.set(svc.metadata.name!, svc.spec.selector);
    };
    const matches = (sel: Record<string, string>, labels: Record<string, string> | undefined) => {
      for (const k in sel) if (labels?.[k] !== sel[k]) return false;
      return true;
    };
    this.unwatch.push(
      store.watch("Service", (ev) => {
        track(ev.object, ev.type === "DELETED");
        this.queue.add(`${ev.object.metadata.namespace}/${ev.object.metadata.name}`);
      }),
      store.watch("Pod", (ev) => {
        const m = this.services.get(ev.object.metadata.namespace!);
        if (!m) return;
        // Only what an endpoint shows matters (the kubelet's other status writes are frequent).
        if (ev.type === "MODIFIED" && ev.old && endpointView(ev.old) === endpointView(ev.object)) return;
        for (const [name, sel] of m) {
          if (matches(sel, ev.object.metadata.labels) || (ev.old && matches(sel, ev.old.metadata.labels))) this.queue.add(`${ev.object.metadata.namespace}/${name}`);
        }
      }),
    );
    for (const s of store.list("Service")) {
      track(s, false);
      this.queue.add(`${s.metadata.namespace}/${s.metadata.name}`);
    }
  }

  stop(): void {
    for (const u of this.unwatch) u();
    this.unwatch = [];
  }

  private sync(key: string): void {
    const { store } = this.ctx;
    const [ns, name] = splitKey(key);
    const svc = store.get("Service", ns, name);
    const ep = store.get("Endpoints", ns, name);
    if (!svc) {
      if (ep) store.delete("Endpoints", ns, name);
      return;
    }
    if (!svc.spec?.selector) return; // Endpoints of selector-less services are user-managed.
    const publishNotReady = !!svc.spec.publishNotReadyAddresses;
    const addresses: any[] = [];
    const notReady: any[] = [];
    let ports: any[] | undefined;
    for (const p of store.list("Pod", { namespace: ns, labelSelector: fromLabelMap(svc.spec.selector) })) {
      if (!p.status?.podIP || p.metadata.deletionTimestamp || isTerminal(p)) continue;
      const addr = {
        ip: p.status.podIP,
        ...(p.spec?.nodeName ? { nodeName: p.spec.nodeName } : {}),
        targetRef: { kind: "Pod", namespace: ns, name: p.metadata.name, uid: p.metadata.uid },
      };
      if (publishNotReady || isPodReady(p)) addresses.push(addr);
      else notReady.push(addr);
      if (!ports) {
        ports = [];
        for (const sp of svc.spec.ports ?? []) {
          const port = resolvePort(sp, p);
          if (port !== undefined) ports.push({ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? "TCP" });
        }
      }
    }
    const byIp = (a: any, b: any) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0);
    addresses.sort(byIp);
    notReady.sort(byIp);
    const subsets =
      addresses.length + notReady.length === 0
        ? []
        : [{ ...(addresses.length ? { addresses } : {}), ...(notReady.length ? { notReadyAddresses: notReady } : {}), ports: ports ?? [] }];
    const labels = { ...(svc.metadata.labels ?? {}), "endpoints.kubernetes.io/managed-by": "endpoint-controller" };
    if (!ep) {
      store.create({ apiVersion: "v1", kind: "Endpoints", metadata: { name, namespace: ns, labels }, subsets });
      return;
    }
    if (JSON.stringify(ep.subsets ?? []) === JSON.stringify(subsets)) return;
    store.update({ ...ep, metadata: { ...ep.metadata, labels }, subsets });
  }
}
