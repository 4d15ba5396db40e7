/**
 * Events (core/v1) recorded the way client-go's EventRecorder does: one Event object per
 * (source, involvedObject, type, reason, message), named `<object>.<hex>`, with `count` and
 * `lastTimestamp` bumped when the same event repeats (the event correlator's aggregation).
 */
import type { Clock } from "../core/clock.js";
import { kindInfo } from "./kinds.js";
import type { KubeObject } from "./meta.js";
import type { Store } from "./store.js";

export type EventType = "Normal" | "Warning";

export interface EventSource {
  component: string;
  host?: string;
}

export interface KubeEvent extends KubeObject {
  involvedObject: {
    kind: string;
    namespace?: string;
    name: string;
    uid?: string;
    apiVersion?: string;
    resourceVersion?: string;
    fieldPath?: string;
  };
  reason: string;
  message: string;
  type: EventType;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  source: EventSource;
  reportingComponent: string;
  reportingInstance: string;
}

export class EventRecorder {
  private byKey = new Map<string, string>(); // aggregation key → "ns/name" of the Event
  private seq = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Record an event about `obj` from `component` (e.g. "horizontal-pod-autoscaler", "default-scheduler"). */
  record(obj: KubeObject, type: EventType, reason: string, message: string, source: EventSource | string, fieldPath?: string): KubeEvent {
    const src: EventSource = typeof source === "string" ? { component: source } : source;
    const ns = obj.metadata.namespace ?? "default";
    // A flat string (join), not a rope of seventeen pieces: it is hashed on every record and kept as a map key.
    const key = [src.component, src.host ?? "", obj.kind, ns, String(obj.metadata.name), type, reason, message, fieldPath ?? ""].join("\u0000");
    const now = this.clock.iso();
    const existingName = this.byKey.get(key);
    if (existingName) {
      const updated = this.store.mutate<KubeEvent>("Event", ns, existingName, (e) => {
        e.count = (e.count ?? 1) + 1;
        e.lastTimestamp = now;
      });
      if (updated) return updated;
    }
    const info = kindInfo(obj.kind);
    const name = [String(obj.metadata.name), ".", this.nextHex()].join("");
    const ev: KubeEvent = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace: ns },
      involvedObject: {
        kind: obj.kind,
        namespace: obj.metadata.namespace,
        name: obj.metadata.name!,
        uid: obj.metadata.uid,
        apiVersion: obj.apiVersion ?? (info ? (info.group ? `${info.group}/${info.version}` : info.version) : undefined),
        resourceVersion: obj.metadata.resourceVersion,
        ...(fieldPath ? { fieldPath } : {}),
      },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { ...src },
      reportingComponent: src.component,
      reportingInstance: src.host ?? "",
    };
    this.byKey.set(key, name);
    return this.store.create(ev, { owned: true });
  }

  /** client-go names events `<name>.<UnixNano as hex>`; virtual time plus a sequence keeps them unique. */
  private nextHex(): string {
    const ns = BigInt(this.clock.epochMs + this.clock.now()) * 1_000_000n + BigInt(this.seq++);
    return ns.toString(16);
  }
}
