/**
 * Watch: kube-apiserver's watch cache in miniature. Every store change is kept in a bounded ring
 * (resourceVersion-ordered) so a client that listed at resourceVersion N and then watches from N
 * gets exactly the changes after N, even if the simulation moved on between the two requests. A
 * resourceVersion older than the ring gets the `410 Expired` ERROR event, as from a compacted etcd.
 *
 * Streams are newline-delimited WatchEvent JSON over a chunked response (one compact object per
 * line), flushed at once; `timeoutSeconds` closes the stream.
 */
import type { ServerResponse } from "node:http";
import type { KubeObject } from "../api/meta.js";
import type { Store, WatchEvent, WatchEventType } from "../api/store.js";
import type { Selector } from "../core/labels.js";

interface Entry {
  rv: number;
  kind: string;
  type: WatchEventType;
  object: KubeObject;
  old?: KubeObject;
}

export type WatchListener = (e: Entry) => void;

export class WatchCache {
  private ring: (Entry | undefined)[];
  private head = 0; // next write index
  private size = 0;
  private listeners = new Map<string, Set<WatchListener>>();
  private readonly unsubscribe: () => void;

  constructor(
    store: Store,
    readonly capacity = 100_000,
  ) {
    this.ring = new Array(capacity);
    this.unsubscribe = store.watch("*", (ev: WatchEvent) => this.push(ev));
  }

  close(): void {
    this.unsubscribe();
    this.listeners.clear();
  }

  private push(ev: WatchEvent): void {
    const e: Entry = { rv: Number(ev.object.metadata.resourceVersion), kind: ev.object.kind, type: ev.type, object: ev.object, old: ev.old };
    this.ring[this.head] = e;
    this.head = (this.head + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
    const set = this.listeners.get(e.kind);
    if (set) for (const l of set) l(e);
  }

  /** Oldest resourceVersion still replayable (events with rv > this are all kept), or undefined if none were dropped. */
  get oldestRv(): number | undefined {
    if (this.size < this.capacity) return undefined;
    return this.ring[this.head]!.rv - 1;
  }

  /** Buffered events of `kind` with rv > `sinceRv`, oldest first; undefined if `sinceRv` is too old. */
  since(kind: string, sinceRv: number): Entry[] | undefined {
    const oldest = this.oldestRv;
    if (oldest !== undefined && sinceRv < oldest) return undefined;
    const out: Entry[] = [];
    // Walk backwards from the newest until rv <= sinceRv.
    for (let i = 0; i < this.size; i++) {
      const idx = (this.head - 1 - i + this.capacity) % this.capacity;
      const e = this.ring[idx]!;
      if (e.rv <= sinceRv) break;
      if (e.kind === kind) out.push(e);
    }
    return out.reverse();
  }

  subscribe(kind: string, l: WatchListener): () => void {
    let set = this.listeners.get(kind);
    if (!set) this.listeners.set(kind, (set = new Set()));
    set.add(l);
    return () => {
      set!.delete(l);
    };
  }
}

export interface WatchFilter {
  namespace?: string;
  labels: Selector;
  fields?: (o: KubeObject) => boolean;
}

export function matches(f: WatchFilter, o: KubeObject | undefined): boolean {
  if (!o) return false;
  if (f.namespace !== undefined && o.metadata.namespace !== f.namespace) return false;
  if (!f.labels.matches(o.metadata.labels)) return false;
  if (f.fields && !f.fields(o)) return false;
  return true;
}

/**
 * Translate a store change into what a filtered watcher sees: an object entering the filter is ADDED,
 * one leaving it is DELETED (kube-apiserver's cacheWatcher does the same).
 */
export function filteredType(f: WatchFilter, e: { type: WatchEventType; object: KubeObject; old?: KubeObject }): WatchEventType | undefined {
  const now = matches(f, e.object);
  if (e.type !== "MODIFIED") return now ? e.type : undefined;
  const before = matches(f, e.old);
  if (now && before) return "MODIFIED";
  if (now) return "ADDED";
  if (before) return "DELETED";
  return undefined;
}

export interface WatchStreamOptions {
  contentType: string;
  timeoutMs?: number;
  /** Send a BOOKMARK this often (wall ms) when the client allows bookmarks. */
  bookmarkEveryMs?: number;
  bookmark?: () => object;
}

/** An open watch response. `send` writes one event line; `onClose` runs once when either side ends. */
export class WatchStream {
  private closed = false;
  private timers: NodeJS.Timeout[] = [];
  private closers: (() => void)[] = [];

  constructor(
    private readonly res: ServerResponse,
    opts: WatchStreamOptions,
  ) {
    res.writeHead(200, { "Content-Type": opts.contentType, "Cache-Control": "no-cache, private", "Transfer-Encoding": "chunked" });
    res.flushHeaders();
    // Not req.on("close"): that fires once the request body has been read.
    res.on("close", () => this.close());
    res.on("error", () => this.close());
    if (opts.timeoutMs !== undefined && opts.timeoutMs > 0) {
      this.timers.push(setTimeout(() => this.close(), opts.timeoutMs));
    }
    if (opts.bookmarkEveryMs && opts.bookmark) {
      const b = opts.bookmark;
      this.timers.push(setInterval(() => this.sendRaw(`{"type":"BOOKMARK","object":${JSON.stringify(b())}}\n`), opts.bookmarkEveryMs));
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.closers.push(fn);
  }

  send(type: WatchEventType | "ERROR" | "BOOKMARK", objectJson: string): void {
    this.sendRaw(`{"type":"${type}","object":${objectJson}}\n`);
  }

  sendRaw(line: string): void {
    if (this.closed) return;
    this.res.write(line);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    for (const fn of this.closers) fn();
    this.closers = [];
    if (!this.res.writableEnded) this.res.end();
  }
}
