/**
 * Pieces of the cluster-state registry (clusterstate/clusterstate.go, utils/backoff, 1.32) and of the
 * AWS provider's ASG cache (cloudprovider/aws/auto_scaling_groups.go) that decide when a node group
 * stops being offered for scale-up:
 *
 * - exponential backoff per node group: 5 min after the first failure, doubled (up to 30 min) only
 *   when the group is not still backed off, forgotten 3 h after the last failure;
 * - the ASG cache: regenerated at most once a minute; an ASG whose desired capacity exceeds its
 *   instances gets `i-placeholder-<asg>-<i>` instances, marked `placeholder-cannot-be-fulfilled` when
 *   a scaling activity started since CA last resized the group has status Failed.
 */
import type { ScalingActivity } from "../../cloud/aws/asg.js";

export const PLACEHOLDER_PREFIX = "i-placeholder";
export const PLACEHOLDER_UNFULFILLABLE = "placeholder-cannot-be-fulfilled";
export const UNFULFILLABLE_MESSAGE = "AWS cannot provision any more instances for this node group";
/** aws_manager.go refreshInterval: Refresh() regenerates the ASG cache at most this often. */
export const ASG_CACHE_REFRESH_MS = 60_000;

/** cloudprovider.InstanceErrorClass.String(). */
export type ErrorClass = "OutOfResource" | "Other";

export interface BackoffInfo {
  errorClass: ErrorClass;
  errorCode: string;
  errorMessage: string;
}

/** utils/backoff exponentialBackoff for one node group. */
export class GroupBackoff {
  private duration = 0;
  private until = -Infinity;
  private lastFailure = -Infinity;
  info: BackoffInfo | undefined;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly resetMs: number,
  ) {}

  /** Back off from `now`; returns the end of the backoff. */
  backoff(now: number, info: BackoffInfo): number {
    let d = this.initialMs;
    if (this.info) {
      // Several failures while already backed off do not stretch the backoff.
      d = this.duration;
      if (this.until < now) d = Math.min(2 * this.duration, this.maxMs);
    }
    this.duration = d;
    this.until = now + d;
    this.lastFailure = now;
    this.info = info;
    return this.until;
  }

  isBackedOff(now: number): boolean {
    return this.info !== undefined && this.until > now;
  }

  get backoffUntil(): number {
    return this.until;
  }

  /** RemoveStaleBackoffData. */
  forgetIfStale(now: number): void {
    if (this.info && this.lastFailure + this.resetMs < now) {
      this.info = undefined;
      this.duration = 0;
      this.until = -Infinity;
    }
  }
}

/** asgCache.isNodeGroupAvailable: the newest Failed activity started no earlier than CA's last resize, if any. */
export function scalingFailedSince(activities: readonly ScalingActivity[], lastUpdateTime: number): ScalingActivity | undefined {
  // Newest first: stop at the first activity older than the resize.
  for (const a of activities) {
    if (a.startTime < lastUpdateTime) break;
    if (a.statusCode === "Failed") return a;
  }
  return undefined;
}
