/**
 * NodeClaim expiration (`nodeclaim.expiration`, core `pkg/controllers/nodeclaim/expiration`): in every
 * v1 release a forceful, unbudgeted delete at `creationTimestamp + spec.expireAfter` (default 720h;
 * `Never` disables it). No replacement is pre-spun: the pods go pending and the provisioner brings
 * new capacity. Logged at V(1) as `deleting expired nodeclaim`.
 */
import type { Controller, ControllerContext } from "../../api/controller.js";
import type { Logger } from "../../api/logs.js";
import type { Store, WatchEvent } from "../../api/store.js";
import type { Clock, TimerHandle } from "../../core/clock.js";
import { formatDuration } from "../../core/duration.js";
import type { Rng } from "../../core/rng.js";
import { parseNillableDuration, type NodeClaim } from "./api.js";
import { KARPENTER_LOG_COMPONENT, logReconcile } from "./common.js";

/** Virtual ms at which a NodeClaim expires, or undefined (Never / not parseable). */
export function expirationTime(nc: NodeClaim, clock: Clock): number | undefined {
  let ms: number | undefined;
  try {
    ms = parseNillableDuration(nc.spec?.expireAfter);
  } catch {
    return undefined;
  }
  if (ms === undefined || !nc.metadata.creationTimestamp) return undefined;
  return clock.parseIso(nc.metadata.creationTimestamp) + ms;
}

export class NodeClaimExpirationController implements Controller {
  readonly name = "nodeclaim.expiration";
  private store!: Store;
  private clock!: Clock;
  private rng!: Rng;
  private log!: Logger;
  private timers = new Map<string, { uid: string; at: number; handle: TimerHandle }>();
  private off: (() => void) | undefined;

  start(ctx: ControllerContext): void {
    this.store = ctx.store;
    this.clock = ctx.clock;
    this.rng = ctx.rng.fork(this.name);
    this.log = ctx.logs.logger(KARPENTER_LOG_COMPONENT);
    for (const nc of this.store.list<NodeClaim>("NodeClaim")) this.onNodeClaim({ type: "ADDED", object: nc });
    this.off = this.store.watch<NodeClaim>("NodeClaim", (ev) => this.onNodeClaim(ev));
  }

  stop(): void {
    this.off?.();
    for (const t of this.timers.values()) this.clock.cancel(t.handle);
    this.timers.clear();
  }

  private onNodeClaim(ev: WatchEvent<NodeClaim>): void {
    const nc = ev.object;
    const name = nc.metadata.name!;
    const prev = this.timers.get(name);
    if (ev.type === "DELETED" || nc.metadata.deletionTimestamp) {
      if (prev) {
        this.clock.cancel(prev.handle);
        this.timers.delete(name);
      }
      return;
    }
    const at = expirationTime(nc, this.clock);
    if (prev && prev.uid === nc.metadata.uid && prev.at === at) return;
    if (prev) {
      this.clock.cancel(prev.handle);
      this.timers.delete(name);
    }
    if (at === undefined) return;
    const uid = nc.metadata.uid!;
    const handle = this.clock.at(Math.max(at, this.clock.now()), () => this.expire(name, uid));
    this.timers.set(name, { uid, at, handle });
  }

  private expire(name: string, uid: string): void {
    this.timers.delete(name);
    const nc = this.store.get<NodeClaim>("NodeClaim", undefined, name);
    if (!nc || nc.metadata.uid !== uid || nc.metadata.deletionTimestamp) return;
    const at = expirationTime(nc, this.clock);
    if (at === undefined || at > this.clock.now()) return;
    this.store.delete("NodeClaim", undefined, name);
    logReconcile(
      this.log,
      this.rng,
      "debug",
      { controller: this.name, controllerGroup: "karpenter.sh", controllerKind: "NodeClaim", kind: "NodeClaim", name },
      "deleting expired nodeclaim",
      { expireAfter: formatDuration(parseNillableDuration(nc.spec.expireAfter)!) },
    );
  }
}
