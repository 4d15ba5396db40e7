/**
 * Interruption handling (AWS provider `pkg/controllers/interruption`) and NodeClaim garbage
 * collection (core `nodeclaim.garbagecollection`), fed by the CloudProvider's instance events instead
 * of an SQS queue:
 *   spot-interruption           → events `SpotInterrupted`, `TerminatingOnInterruption`; the NodeClaim is
 *                                 deleted (CordonAndDrain), log `initiating delete from interruption message`;
 *   rebalance-recommendation    → event `SpotRebalanceRecommendation` only;
 *   terminated (not by us)      → the NodeClaim whose instance is gone is deleted
 *                                 (`garbage collecting nodeclaim with no cloudprovider representation`).
 */
import type { Controller, ControllerContext } from "../../api/controller.js";
import type { Logger } from "../../api/logs.js";
import type { KubeObject } from "../../api/meta.js";
import type { Rng } from "../../core/rng.js";
import type { CloudEvent, CloudInstance } from "../../cloud/provider.js";
import type { NodeClaim } from "./api.js";
import { cloudProvider, KARPENTER_EVENT_SOURCE, KARPENTER_LOG_COMPONENT, reconcileId } from "./common.js";

export class InterruptionController implements Controller {
  readonly name = "interruption";
  private ctx!: ControllerContext;
  private rng!: Rng;
  private log!: Logger;
  private off: (() => void) | undefined;

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.rng = ctx.rng.fork(this.name);
    this.log = ctx.logs.logger(KARPENTER_LOG_COMPONENT);
    this.off = cloudProvider(ctx)?.on((ev) => this.onCloudEvent(ev));
  }

  stop(): void {
    this.off?.();
  }

  private find(inst: CloudInstance): { nc?: NodeClaim; node?: KubeObject } {
    const store = this.ctx.store;
    const nc = store.list<NodeClaim>("NodeClaim").find((n) => n.status?.providerID === inst.providerID);
    const node = nc?.status?.nodeName ? store.get("Node", undefined, nc.status.nodeName) : undefined;
    return { nc, node };
  }

  private onCloudEvent(ev: CloudEvent): void {
    const { events, store } = this.ctx;
    if (ev.type === "running") return;
    const { nc, node } = this.find(ev.instance);
    if (!nc) return;
    if (ev.type === "rebalance-recommendation") {
      for (const o of [node, nc]) if (o) events.record(o, "Normal", "SpotRebalanceRecommendation", "Spot rebalance recommendation was triggered", KARPENTER_EVENT_SOURCE);
      return;
    }
    if (nc.metadata.deletionTimestamp) return;
    if (ev.type === "spot-interruption") {
      for (const o of [node, nc]) if (o) events.record(o, "Warning", "SpotInterrupted", "Spot interruption warning was triggered", KARPENTER_EVENT_SOURCE);
      store.delete("NodeClaim", undefined, nc.metadata.name!);
      this.log.info("initiating delete from interruption message", {
        controller: this.name,
        namespace: "",
        name: "",
        reconcileID: reconcileId(this.rng),
        messageKind: "spot_interrupted",
        NodeClaim: { name: nc.metadata.name },
        action: "CordonAndDrain",
        ...(node ? { Node: { name: node.metadata.name } } : {}),
      });
      if (node) events.record(node, "Warning", "TerminatingOnInterruption", "Interruption triggered termination for the Node", KARPENTER_EVENT_SOURCE);
      events.record(nc, "Warning", "TerminatingOnInterruption", "Interruption triggered termination for the NodeClaim", KARPENTER_EVENT_SOURCE);
      return;
    }
    if (ev.type === "terminated") {
      store.delete("NodeClaim", undefined, nc.metadata.name!);
      this.log.debug("garbage collecting nodeclaim with no cloudprovider representation", {
        controller: "nodeclaim.garbagecollection",
        namespace: "",
        name: "",
        reconcileID: reconcileId(this.rng),
        NodeClaim: { name: nc.metadata.name },
        "provider-id": nc.status?.providerID,
        ...(node ? { Node: { name: node.metadata.name } } : {}),
      });
    }
  }
}
