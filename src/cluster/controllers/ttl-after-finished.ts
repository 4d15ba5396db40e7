/**
 * TTL-after-finished controller (kube-controller-manager 1.32, pkg/controller/ttlafterfinished).
 *
 * A Job with spec.ttlSecondsAfterFinished is deleted that many seconds after it finished: from the
 * lastTransitionTime of its Complete or Failed condition (jobFinishTime). The delete cascades with
 * propagationPolicy Foreground (upstream's choice), so the Job object stays, with the
 * foregroundDeletion finalizer, until the garbage collector has removed its pods. A Job that is
 * already being deleted, or not finished, is left alone; a TTL changed while waiting is re-read
 * before deleting.
 */
import type { Controller, ControllerContext } from "../../api/controller.js";
import { isApiError } from "../../api/errors.js";
import type { KubeObject } from "../../api/meta.js";
import { isJobFinished } from "./job.js";
import { KeyQueue, splitKey } from "./util.js";

export const TTL_COMPONENT = "ttl-after-finished-controller";

/** When the Job finished (virtual ms), from its Complete/Failed=True condition. */
export function jobFinishTime(job: KubeObject, parseIso: (s: string) => number): number | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === "Complete" || c.type === "Failed") && c.status === "True" && c.lastTransitionTime) return parseIso(c.lastTransitionTime);
  }
  return undefined;
}

export class TTLAfterFinishedController implements Controller {
  readonly name = TTL_COMPONENT;
  private ctx!: ControllerContext;
  private queue!: KeyQueue;
  private unwatch: Array<() => void> = [];

  start(ctx: ControllerContext): void {
    this.ctx = ctx;
    this.queue = new KeyQueue(ctx.clock, (k) => this.process(k));
    this.unwatch.push(
      ctx.store.watch("Job", (ev) => {
        const j = ev.object;
        if (ev.type === "DELETED" || !needsCleanup(j)) return;
        this.queue.add(`${j.metadata.namespace}/${j.metadata.name}`);
      }),
    );
    for (const j of ctx.store.list("Job")) if (needsCleanup(j)) this.queue.add(`${j.metadata.namespace}/${j.metadata.name}`);
  }

  stop(): void {
    for (const u of this.unwatch) u();
    this.unwatch = [];
  }

  private process(key: string): void {
    const { store, clock } = this.ctx;
    const [ns, name] = splitKey(key);
    const job = store.get("Job", ns, name);
    if (!job) {
      this.queue.forget(key);
      return;
    }
    if (job.metadata.deletionTimestamp || !needsCleanup(job)) return;
    const finishedAt = jobFinishTime(job, (s) => clock.parseIso(s));
    if (finishedAt === undefined) return;
    const left = finishedAt + Number(job.spec.ttlSecondsAfterFinished) * 1000 - clock.now();
    if (left > 0) {
      this.queue.add(key, left);
      return;
    }
    try {
      store.delete("Job", ns, name, { propagationPolicy: "Foreground" });
    } catch (e) {
      if (!isApiError(e, "NotFound")) throw e;
    }
  }
}

function needsCleanup(j: KubeObject): boolean {
  const ttl = j.spec?.ttlSecondsAfterFinished;
  return ttl !== undefined && ttl !== null && isJobFinished(j);
}
