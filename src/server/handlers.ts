/**
 * The Kubernetes REST API over the simulation's store: a thin adapter. Every read comes from the
 * store the controllers use, every write goes through it (so the registered defaulting/validation
 * strategies apply), and after each write the simulation runs the work due "now" so controllers react
 * at the current virtual time.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseYaml } from "yaml";
import { ApiError, conflict, fieldErrorText, invalid, isApiError, notFound, type FieldError, type Status } from "../api/errors.js";
import { hpaV1ToV2, hpaV2ToV1 } from "../api/hpa-conversion.js";
import { apiVersionOf, kindInfo, type KindInfo } from "../api/kinds.js";
import type { KubeObject } from "../api/meta.js";
import { jsonPatch, mergePatch, strategicMergePatch, StrategicMergePatchError } from "../api/patch.js";
import { parseFieldSelector, type Store } from "../api/store.js";
import { parseSelector, Selector } from "../core/labels.js";
import { RESOURCE_METRICS_SERVICE, type ResourceMetricsApi } from "../metrics/api.js";
import { getScale, updateScale } from "../cluster/scale.js";
import type { Simulation } from "../sim/simulation.js";
import { fieldsOf, recordManager, serverSideApply } from "./apply.js";
import {
  AGGREGATED_V2,
  aggregatedDiscovery,
  apiGroupDoc,
  apiGroupList,
  apiResourceList,
  apiVersions,
  hasScale,
  hasStatus,
  isServedGroupVersion,
  kindForResource,
  SERVER_VERSION,
  wantsAggregatedV2,
} from "./discovery.js";
import type { LogOptions, ServerParts } from "./parts.js";
import { parsePath, renderingOf, type Rendering, type Route } from "./router.js";
import {
  badRequest,
  expired,
  internalError,
  methodNotAllowed,
  pathNotFound,
  sendJson,
  sendStatus,
  statusError,
  successStatus,
  unsupportedMediaType,
} from "./status.js";
import { filteredType, WatchCache, WatchStream, type WatchFilter } from "./watch.js";
import { BodyWriter, encodeCells, JsonEncoder, Shift, unshiftTimestamps } from "./encode.js";
import { partialObjectMetadata } from "./tables.js";
import { patchMetaFor } from "../api/schema/patch-meta.js";
import { decodeTypeError, strictDecodingDetail } from "../api/schema/decode.js";
import { fromUnstructuredError, goPrint } from "../api/schema/unstructured.js";

const TABLE_CT = "application/json;as=Table;v=v1;g=meta.k8s.io";
const PATCH_TYPES = ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"];
/** Kinds compiled into kube-apiserver (strategic merge patch applies); CRD kinds take merge patches only. */
const BUILTIN_GROUPS = new Set(["", "apps", "batch", "autoscaling", "policy", "scheduling.k8s.io", "coordination.k8s.io", "networking.k8s.io", "storage.k8s.io", "rbac.authorization.k8s.io"]);

interface Req {
  method: string;
  url: URL;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

interface ResourceRoute {
  info: KindInfo;
  group: string;
  version: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export interface HandlerOptions {
  serverAddress: () => string;
  /** Run the simulation up to the current virtual time (called after every write). */
  settle: () => void;
  /** The client's clock, Unix ms (default Date.now): timestamps are served in its frame (see encode.ts). */
  wallNowMs?: () => number;
}

/** Snapshot of a paginated list, kept for `continue` tokens (like an etcd revision). */
interface ListSnapshot {
  items: KubeObject[];
  rv: string;
  createdWallMs: number;
}

export class ApiHandlers {
  readonly store: Store;
  readonly cache: WatchCache;
  private snapshots = new Map<string, ListSnapshot>();
  private snapSeq = 0;
  private readonly watches = new Set<WatchStream>();

  constructor(
    readonly sim: Simulation,
    readonly parts: ServerParts,
    private readonly opts: HandlerOptions,
  ) {
    this.store = sim.store;
    this.cache = new WatchCache(sim.store);
  }

  private virtualPodList?: KubeObject[];
  /** The component pods (virtual: never in the store). */
  private virtualPods(): KubeObject[] {
    if (!this.virtualPodList) this.virtualPodList = this.parts.componentPods?.(this.sim.clock.iso(0)) ?? [];
    return this.virtualPodList;
  }

  /** Store objects plus, for pods, the virtual component pods. */
  private lookup(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.store.get(kind, namespace, name);
    if (o || kind !== "Pod") return o;
    return this.virtualPods().find((p) => p.metadata.name === name && p.metadata.namespace === (namespace ?? "default"));
  }

  private listObjects(r: ResourceRoute, f: WatchFilter): KubeObject[] {
    let items = this.store.list(r.info.kind, { namespace: r.namespace, labelSelector: f.labels });
    if (r.info.kind === "Pod") {
      const extra = this.virtualPods().filter((p) => (r.namespace === undefined || p.metadata.namespace === r.namespace) && f.labels.matches(p.metadata.labels));
      if (extra.length) items = items.concat(extra);
    }
    if (f.fields) items = items.filter(f.fields);
    return items;
  }

  close(): void {
    for (const w of [...this.watches]) w.close();
    this.cache.close();
  }

  /** Virtual calendar now, Unix ms (Table ages are computed against it). */
  private nowMs(): number {
    return this.sim.clock.epochMs + this.sim.clock.now();
  }

  /** wall now − virtual now in whole seconds (rounded down, so a served timestamp is never in the client's future). */
  private deltaMs(): number {
    const wall = (this.opts.wallNowMs ?? Date.now)();
    return Math.floor((wall - this.nowMs()) / 1000) * 1000;
  }

  private readonly json = new JsonEncoder();

  /** An API object (or list/Table of them) with its timestamps in the client's frame. */
  private sendObject(res: ServerResponse, code: number, body: unknown, contentType = "application/json", shift = new Shift(this.deltaMs())): void {
    const w = new BodyWriter(res, code, contentType);
    this.writeValue(w, body, shift);
    w.end();
  }

  private writeValue(w: { push(s: string): void }, body: unknown, shift: Shift): void {
    if (isObject(body) && body.kind === "Table" && Array.isArray(body.rows)) return this.writeTable(w, body, shift);
    w.push(this.json.encode(body, shift));
  }

  /** Table JSON, rows one by one: cells built per request, row objects from the encoder's cache. */
  private writeTable(w: { push(s: string): void }, t: Record<string, unknown>, shift: Shift): void {
    let first = true;
    w.push("{");
    for (const [k, v] of Object.entries(t)) {
      if (v === undefined) continue;
      w.push(`${first ? "" : ","}${JSON.stringify(k)}:`);
      first = false;
      if (k !== "rows") {
        w.push(JSON.stringify(v));
        continue;
      }
      w.push("[");
      const rows = v as Record<string, unknown>[];
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!;
        let s = i === 0 ? "{" : ",{";
        let firstKey = true;
        for (const [rk, rv] of Object.entries(row)) {
          if (rv === undefined) continue;
          s += `${firstKey ? "" : ","}${JSON.stringify(rk)}:`;
          firstKey = false;
          if (rk === "cells" && Array.isArray(rv)) s += encodeCells(rv, shift);
          else if (rk === "object") s += this.json.encode(rv, shift);
          else s += JSON.stringify(rv);
        }
        w.push(s + "}");
      }
      w.push("]");
    }
    w.push("}");
  }

  private tableJson(t: unknown, shift: Shift): string {
    const parts: string[] = [];
    this.writeValue({ push: (s) => parts.push(s) }, t, shift);
    return parts.join("");
  }

  async handle(req: Req, res: ServerResponse): Promise<void> {
    try {
      this.dispatch(req, res);
    } catch (e) {
      if (isApiError(e)) {
        sendStatus(res, e);
        return;
      }
      // A body that made a strategy trip is still the client's fault: the real decoder would have refused it.
      const msg = (e as Error)?.message ?? String(e);
      if (req.method !== "GET") sendStatus(res, badRequest(`the object provided is unrecognized: ${msg}`));
      else sendStatus(res, internalError(msg));
    }
  }

  private dispatch(req: Req, res: ServerResponse): void {
    const route = parsePath(req.url.pathname);
    const accept = req.headers.accept;
    const m = req.method;
    switch (route.type) {
      case "version":
        return sendJson(res, 200, SERVER_VERSION);
      case "health":
        res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
        res.end("ok");
        return;
      case "root":
        return sendJson(res, 200, { paths: ["/api", "/api/v1", "/apis", ...groupPaths(), "/healthz", "/livez", "/openapi/v3", "/readyz", "/version"] });
      case "api":
        if (wantsAggregatedV2(accept)) return sendJson(res, 200, aggregatedDiscovery("api"), AGGREGATED_V2);
        return sendJson(res, 200, apiVersions(this.opts.serverAddress()));
      case "apis":
        if (wantsAggregatedV2(accept)) return sendJson(res, 200, aggregatedDiscovery("apis"), AGGREGATED_V2);
        return sendJson(res, 200, apiGroupList());
      case "group": {
        const d = apiGroupDoc(route.group);
        if (!d) throw pathNotFound();
        return sendJson(res, 200, d);
      }
      case "groupVersion": {
        const d = apiResourceList(route.group, route.version);
        if (!d) throw pathNotFound();
        return sendJson(res, 200, d);
      }
      case "openapi":
        return this.openapi(route.path, res);
      case "resource":
        if (route.group === "metrics.k8s.io") return this.metrics(req, res);
        return this.resource(route, req, res, m);
      default:
        throw pathNotFound();
    }
  }

  private openapi(path: string, res: ServerResponse): void {
    if (path === "v3") return sendJson(res, 200, this.parts.openapiV3Index());
    if (path.startsWith("v3/")) {
      const d = this.parts.openapiV3Document(path.slice(3));
      if (d) return sendJson(res, 200, d);
    }
    throw pathNotFound();
  }

  private metrics(req: Req, res: ServerResponse): void {
    if (req.method !== "GET") throw methodNotAllowed();
    const api = this.sim.services.get(RESOURCE_METRICS_SERVICE) as ResourceMetricsApi | undefined;
    const r = this.parts.metricsApiResponse?.(req.url.pathname, api, this.store, this.sim.clock, req.url.searchParams);
    if (!r) throw pathNotFound();
    this.sendObject(res, r.status, r.body);
  }

  // ------------------------------------------------------------------------ resources

  private resource(route: Extract<Route, { type: "resource" }>, req: Req, res: ServerResponse, method: string): void {
    if (!isServedGroupVersion(route.group, route.version)) throw pathNotFound();
    const info = kindForResource(route.group, route.version, route.resource);
    if (!info) throw pathNotFound();
    if (route.rest.length > 0) throw pathNotFound();
    if (route.namespace !== undefined && !info.namespaced) throw pathNotFound();
    const r: ResourceRoute = { info, group: route.group, version: route.version, namespace: route.namespace, name: route.name, subresource: route.subresource };
    const q = req.url.searchParams;
    if (r.subresource) return this.subresource(r, req, res, method);
    if (r.name === undefined) {
      switch (method) {
        case "GET":
          return q.get("watch") === "true" || q.get("watch") === "1" ? this.watch(r, req, res) : this.list(r, req, res);
        case "POST":
          return this.create(r, req, res);
        case "DELETE":
          return this.deleteCollection(r, req, res);
        default:
          throw methodNotAllowed();
      }
    }
    switch (method) {
      case "GET":
        return this.get(r, req, res);
      case "PUT":
        return this.replace(r, req, res);
      case "PATCH":
        return this.patch(r, req, res);
      case "DELETE":
        return this.delete(r, req, res);
      default:
        throw methodNotAllowed();
    }
  }

  /** The stored form → the requested version (HPA autoscaling/v1 is converted). */
  private out(r: ResourceRoute, obj: KubeObject): KubeObject {
    if (r.info.kind === "HorizontalPodAutoscaler" && r.version === "v1") return hpaV2ToV1(obj);
    return obj;
  }

  /** A request body in the requested version → the stored form. */
  private in(r: ResourceRoute, obj: KubeObject): KubeObject {
    if (r.info.kind === "HorizontalPodAutoscaler" && r.version === "v1") return hpaV1ToV2(obj);
    return obj;
  }

  private get(r: ResourceRoute, req: Req, res: ServerResponse): void {
    const obj = this.lookup(r.info.kind, r.namespace, r.name!);
    if (!obj) throw notFound(r.info.kind, r.name!);
    const rendering = renderingOf(req.headers.accept);
    if (rendering === "table") {
      const t = this.parts.tableFor(r.info.kind, [obj], { nowMs: this.nowMs(), includeObject: includeObject(req), wide: true });
      return this.sendObject(res, 200, t, TABLE_CT);
    }
    if (rendering === "partial") return this.sendObject(res, 200, partialObjectMetadata(obj));
    this.sendObject(res, 200, this.out(r, obj));
  }

  private filter(r: ResourceRoute, q: URLSearchParams): WatchFilter {
    let labels: Selector = Selector.everything;
    const ls = q.get("labelSelector");
    if (ls) {
      try {
        labels = parseSelector(ls);
      } catch (e) {
        throw badRequest(`unable to parse requirement: ${(e as Error).message}`);
      }
    }
    const fs = q.get("fieldSelector");
    const fields = fs ? parseFieldSelector(fs) : undefined;
    return { namespace: r.namespace, labels, fields };
  }

  private list(r: ResourceRoute, req: Req, res: ServerResponse): void {
    const q = req.url.searchParams;
    const limit = Number(q.get("limit") ?? 0);
    const cont = q.get("continue");
    let items: KubeObject[];
    let rv: string;
    let offset = 0;
    let snapId: string | undefined;
    if (cont) {
      const tok = decodeContinue(cont);
      const snap = tok && this.snapshots.get(tok.id);
      if (!tok || !snap) throw expired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.");
      items = snap.items;
      rv = snap.rv;
      offset = tok.offset;
      snapId = tok.id;
    } else {
      items = sortByKey(this.listObjects(r, this.filter(r, q)));
      rv = this.store.resourceVersion;
    }
    let page = items;
    let nextToken: string | undefined;
    let remaining: number | undefined;
    if (Number.isInteger(limit) && limit > 0 && items.length - offset > limit) {
      page = items.slice(offset, offset + limit);
      if (!snapId) {
        snapId = String(++this.snapSeq);
        this.snapshots.set(snapId, { items, rv, createdWallMs: Date.now() });
        this.gcSnapshots();
      }
      nextToken = encodeContinue({ id: snapId, offset: offset + limit, rv });
      remaining = items.length - offset - limit;
    } else if (offset > 0) {
      page = items.slice(offset);
      if (snapId) this.snapshots.delete(snapId);
    }
    const rendering = renderingOf(req.headers.accept);
    if (rendering === "table") {
      const t = this.parts.tableFor(r.info.kind, page, { nowMs: this.nowMs(), includeObject: includeObject(req), wide: true, resourceVersion: rv }) as {
        metadata?: Record<string, unknown>;
      };
      t.metadata = { ...(t.metadata ?? {}), resourceVersion: rv, ...(nextToken ? { continue: nextToken, remainingItemCount: remaining } : {}) };
      return this.sendObject(res, 200, t, TABLE_CT);
    }
    const meta: Record<string, unknown> = { resourceVersion: rv };
    if (nextToken) {
      meta.continue = nextToken;
      meta.remainingItemCount = remaining;
    }
    const shift = new Shift(this.deltaMs());
    const w = new BodyWriter(res, 200, "application/json");
    if (rendering === "partial") {
      w.push(`{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":${JSON.stringify(meta)},"items":[`);
      for (let i = 0; i < page.length; i++) w.push((i ? "," : "") + this.json.encode(partialObjectMetadata(page[i]!), shift));
    } else {
      w.push(`{"kind":${JSON.stringify(`${r.info.kind}List`)},"apiVersion":${JSON.stringify(apiVersionOf(r.info, r.version))},"metadata":${JSON.stringify(meta)},"items":[`);
      // Typed lists carry no kind/apiVersion on their items.
      for (let i = 0; i < page.length; i++) w.push((i ? "," : "") + this.json.encode(this.out(r, page[i]!), shift, true));
    }
    w.push("]}");
    w.end();
  }

  private gcSnapshots(): void {
    const now = Date.now();
    for (const [id, s] of this.snapshots) if (now - s.createdWallMs > 5 * 60_000 || this.snapshots.size > 64) this.snapshots.delete(id);
  }

  private watch(r: ResourceRoute, req: Req, res: ServerResponse): void {
    const q = req.url.searchParams;
    const f = this.filter(r, q);
    const rvParam = q.get("resourceVersion") ?? "";
    const sinceRv = rvParam === "" || rvParam === "0" ? undefined : Number(rvParam);
    if (sinceRv !== undefined && !Number.isInteger(sinceRv)) throw badRequest(`resourceVersion: Invalid value: "${rvParam}": must be an integer`);
    const table = renderingOf(req.headers.accept) === "table";
    const timeout = Number(q.get("timeoutSeconds") ?? 0);
    const bookmarks = q.get("allowWatchBookmarks") === "true";
    const kind = r.info.kind;
    const apiVersion = apiVersionOf(r.info, r.version);
    const stream = new WatchStream(res, {
      contentType: table ? TABLE_CT : "application/json",
      timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout * 1000 : undefined,
      bookmarkEveryMs: bookmarks ? 10_000 : undefined,
      bookmark: () => ({ kind, apiVersion, metadata: { resourceVersion: this.store.resourceVersion } }),
    });
    this.watches.add(stream);
    let first = true;
    const inc = includeObject(req);
    const encode = (obj: KubeObject): string => {
      const shift = new Shift(this.deltaMs());
      if (table) {
        const t = this.parts.tableFor(kind, [obj], { nowMs: this.nowMs(), includeObject: inc, wide: true, noHeaders: !first });
        first = false;
        return this.tableJson(t, shift);
      }
      return this.json.encodeLatest(this.out(r, obj), shift);
    };
    if (sinceRv === undefined) {
      for (const o of sortByKey(this.listObjects(r, f))) stream.send("ADDED", encode(o));
      if (q.get("sendInitialEvents") === "true") {
        stream.send(
          "BOOKMARK",
          JSON.stringify({ kind, apiVersion, metadata: { resourceVersion: this.store.resourceVersion, annotations: { "k8s.io/initial-events-end": "true" } } }),
        );
      }
    } else {
      const backlog = this.cache.since(kind, sinceRv);
      if (!backlog) {
        const err = expired(`too old resource version: ${sinceRv} (${this.cache.oldestRv ?? 0})`);
        stream.send("ERROR", JSON.stringify(err.status));
        stream.close();
        this.watches.delete(stream);
        return;
      }
      for (const e of backlog) {
        const t = filteredType(f, e);
        if (t) stream.send(t, encode(e.object));
      }
    }
    const unsub = this.cache.subscribe(kind, (e) => {
      const t = filteredType(f, e);
      if (t) stream.send(t, encode(e.object));
    });
    stream.onClose(() => {
      unsub();
      this.watches.delete(stream);
    });
  }

  // ------------------------------------------------------------------------ writes

  private parseBody(r: ResourceRoute, req: Req): KubeObject {
    const ct = (req.headers["content-type"] ?? "application/json").split(";")[0]!.trim().toLowerCase();
    let obj: unknown;
    if (ct === "application/vnd.kubernetes.protobuf") {
      if (!this.parts.decodeProtobuf) throw unsupportedMediaType(["application/json", "application/yaml"]);
      obj = this.parts.decodeProtobuf(req.body, ct);
    } else if (ct === "application/json" || ct === "" || ct === "*/*") {
      obj = parseJsonBody(req.body);
    } else if (ct === "application/yaml" || ct === "application/x-yaml" || ct === "text/yaml") {
      obj = parseYamlBody(req.body);
    } else {
      throw unsupportedMediaType(["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]);
    }
    unshiftTimestamps(obj, this.deltaMs());
    return checkTypeMeta(r, obj);
  }

  /** The fieldValidation directive (Warn when absent). */
  private fieldValidation(req: Req): "Strict" | "Warn" | "Ignore" {
    const mode = req.url.searchParams.get("fieldValidation") ?? "Warn";
    if (mode !== "Strict" && mode !== "Warn" && mode !== "Ignore") {
      throw badRequest(`fieldValidation: Unsupported value: "${mode}": supported values: "Ignore", "Strict", "Warn"`);
    }
    return mode;
  }

  /** fieldValidation=Warn: one Warning header per unknown field. */
  private warnUnknown(res: ServerResponse, paths: readonly string[]): void {
    const warnings = this.parts.unknownFieldWarnings(paths).map((w) => `299 - ${JSON.stringify(w)}`);
    const prev = res.getHeader("Warning");
    res.setHeader("Warning", [...(Array.isArray(prev) ? prev : prev ? [String(prev)] : []), ...warnings]);
  }

  /** fieldValidation: Strict → 400, Warn (default) → Warning headers; unknown fields are dropped either way. */
  private validateFields(obj: KubeObject, req: Req, res: ServerResponse, sorted: boolean): void {
    const mode = this.fieldValidation(req);
    if (mode === "Ignore") return;
    const paths = this.parts.unknownFieldPaths(obj, sorted);
    if (paths.length === 0) return;
    if (mode === "Strict") throw badRequest(this.parts.strictDecodingMessage(obj, paths));
    this.warnUnknown(res, paths);
  }

  /**
   * A create or update body as the serializer decodes it (create.go / update.go): a value of the wrong
   * JSON type is a fatal decode error in every fieldValidation mode, answered before any unknown-field
   * error (serializer/json unmarshal returns it ahead of the strict errors) and before the handler
   * looks at name or namespace.
   */
  private decodeBody(obj: KubeObject, req: Req, res: ServerResponse, sorted: boolean): void {
    this.fieldValidation(req);
    const typeErr = decodeTypeError(obj, { sorted });
    if (typeErr) throw badRequest(typeErr.message);
    this.validateFields(obj, req, res, sorted);
  }

  /**
   * The patched object as patch.go turns it back into a typed one. JSON and merge patches decode the
   * patched JSON (keys sorted: the json-patch library re-encodes a map), strategic merge patches copy
   * the patched map by reflection (unstructured.ts); either way a failure is a 422 on field `patch`
   * carrying the patched JSON, or the patch map as `%+v`, and a type error wins over unknown fields.
   */
  private decodePatched(obj: KubeObject, strategic: boolean, patchBody: unknown, req: Req, res: ServerResponse): void {
    const mode = this.fieldValidation(req);
    const shown = () => (strategic ? goPrint(patchBody) : sortedJson(obj));
    const fatal = strategic ? fromUnstructuredError(obj) : decodeTypeError(obj, { sorted: true })?.detail;
    if (fatal) throw patchInvalid(shown(), fatal);
    if (mode === "Ignore") return;
    let paths = this.parts.unknownFieldPaths(obj, true);
    if (paths.length === 0) return;
    // The converter sorts its unknown-field errors by text; the JSON decoder reports them as it reads.
    if (strategic) paths = [...paths].sort();
    if (mode === "Strict") throw patchInvalid(shown(), strictDecodingDetail(paths));
    this.warnUnknown(res, paths);
  }

  private dryRun(req: Req): boolean {
    const d = req.url.searchParams.getAll("dryRun");
    if (d.some((x) => x !== "All")) throw badRequest(`dryRun: Unsupported value: "${d.find((x) => x !== "All")}": supported values: "All"`);
    return d.length > 0;
  }

  private checkNamespace(r: ResourceRoute): void {
    if (r.info.namespaced && r.namespace && !this.store.get("Namespace", undefined, r.namespace)) {
      throw notFound("Namespace", r.namespace);
    }
  }

  private manager(req: Req, fallback: string): string {
    const m = req.url.searchParams.get("fieldManager");
    if (m) return m;
    const ua = String(req.headers["user-agent"] ?? "");
    return ua.split("/")[0] || fallback;
  }

  private create(r: ResourceRoute, req: Req, res: ServerResponse): void {
    const body = this.parseBody(r, req);
    this.decodeBody(body, req, res, isYaml(req));
    const dry = this.dryRun(req);
    const ns = r.info.namespaced ? (r.namespace ?? "default") : undefined;
    if (r.info.namespaced) {
      if (body.metadata.namespace && body.metadata.namespace !== ns) {
        throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
      }
      body.metadata.namespace = ns;
    }
    dropUnknown(body, this.parts.unknownFieldPaths(body, false));
    this.checkNamespace({ ...r, namespace: ns });
    const obj = this.in(r, body);
    stripServerFields(obj);
    recordManager(obj, {
      manager: this.manager(req, "unknown"),
      operation: "Update",
      apiVersion: apiVersionOf(r.info, r.version),
      time: this.sim.clock.iso(),
      fieldsType: "FieldsV1",
      fieldsV1: fieldsOf(body),
    });
    if (dry) {
      const out = this.dryRunCreate(obj);
      return this.sendObject(res, 201, this.out(r, out));
    }
    const created = this.store.create(obj);
    this.opts.settle();
    this.sendObject(res, 201, this.out(r, this.store.get(r.info.kind, created.metadata.namespace, created.metadata.name!) ?? created));
  }

  private dryRunCreate(obj: KubeObject): KubeObject {
    const kind = obj.kind;
    const o = structuredClone(obj);
    if (!o.metadata.name && o.metadata.generateName) o.metadata.name = o.metadata.generateName + "dryrn";
    if (o.metadata.name && this.store.get(kind, o.metadata.namespace, o.metadata.name)) {
      throw statusError(409, "AlreadyExists", `${qualified(kind)} "${o.metadata.name}" already exists`, { name: o.metadata.name, kind: kindInfo(kind)?.plural });
    }
    const strat = this.store.strategy(kind);
    const ctx = { store: this.store, now: this.sim.clock.now() };
    strat?.defaults?.(o, ctx);
    const errs = strat?.validate?.(o, undefined, ctx) ?? [];
    if (errs.length) {
      // Let the store word the Invalid error exactly as a real create would.
      throw this.invalidFrom(kind, o.metadata.name ?? "", errs);
    }
    o.metadata.creationTimestamp = this.sim.clock.iso();
    return o;
  }

  private invalidFrom(kind: string, name: string, errs: FieldError[]): ApiError {
    return invalid(kind, name, errs);
  }

  /** Commit an updated object (main resource or status), honouring dryRun. */
  private commit(r: ResourceRoute, obj: KubeObject, dry: boolean, status: boolean): KubeObject {
    if (dry) {
      const cur = this.store.read(r.info.kind, r.namespace, r.name!);
      const rv = obj.metadata.resourceVersion;
      if (rv && rv !== cur.metadata.resourceVersion) throw conflict(r.info.kind, r.name!);
      const strat = this.store.strategy(r.info.kind);
      const o = structuredClone(obj);
      const ctx = { store: this.store, now: this.sim.clock.now() };
      strat?.defaults?.(o, ctx);
      const errs = strat?.validate?.(o, cur, ctx) ?? [];
      if (errs.length) throw this.invalidFrom(r.info.kind, r.name!, errs);
      return o;
    }
    const saved = this.store.update(obj, status ? { subresource: "status" } : {});
    this.opts.settle();
    return this.store.get(r.info.kind, r.namespace, r.name!) ?? saved;
  }

  private replace(r: ResourceRoute, req: Req, res: ServerResponse): void {
    const body = this.parseBody(r, req);
    this.decodeBody(body, req, res, isYaml(req));
    if (body.metadata.name !== r.name) {
      throw badRequest(`the name of the object (${body.metadata.name ?? ""}) does not match the name on the URL (${r.name})`);
    }
    if (r.info.namespaced) {
      if (body.metadata.namespace && body.metadata.namespace !== r.namespace) {
        throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
      }
      body.metadata.namespace = r.namespace ?? "default";
    }
    dropUnknown(body, this.parts.unknownFieldPaths(body, false));
    const dry = this.dryRun(req);
    const cur = this.store.get(r.info.kind, r.namespace, r.name!);
    if (!cur) throw notFound(r.info.kind, r.name!);
    const obj = this.in(r, body);
    if (r.info.kind === "HorizontalPodAutoscaler" && r.version === "v1" && !r.subresource) obj.status = cur.status;
    obj.metadata.managedFields = cur.metadata.managedFields;
    obj.metadata.resourceVersion = body.metadata.resourceVersion;
    recordManager(obj, {
      manager: this.manager(req, "unknown"),
      operation: "Update",
      apiVersion: apiVersionOf(r.info, r.version),
      time: this.sim.clock.iso(),
      fieldsType: "FieldsV1",
      fieldsV1: fieldsOf(body),
      ...(r.subresource ? { subresource: r.subresource } : {}),
    });
    const saved = this.commit(r, obj, dry, r.subresource === "status");
    this.sendObject(res, 200, this.out(r, saved));
  }

  private applyPatch(r: ResourceRoute, req: Req, current: KubeObject): { patched: KubeObject; patchBody: unknown } {
    const ct = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    const builtin = BUILTIN_GROUPS.has(r.info.group);
    const accepted = builtin ? PATCH_TYPES : PATCH_TYPES.filter((t) => t !== "application/strategic-merge-patch+json");
    if (!accepted.includes(ct)) throw unsupportedMediaType(accepted);
    const raw = req.body.toString("utf8");
    let p: unknown;
    try {
      p = ct === "application/apply-patch+yaml" ? parseYaml(raw) : JSON.parse(raw);
    } catch (e) {
      throw badRequest(`error decoding patch: ${(e as Error).message}`);
    }
    unshiftTimestamps(p, this.deltaMs());
    let out: unknown;
    switch (ct) {
      case "application/json-patch+json":
        out = jsonPatch(current, p);
        break;
      case "application/merge-patch+json":
        if (!isObject(p)) throw badRequest(`json: cannot unmarshal ${typeName(p)} into Go value of type map[string]interface {}`);
        out = mergePatch(current, p);
        break;
      default:
        if (!isObject(p)) throw badRequest(`json: cannot unmarshal ${typeName(p)} into Go value of type map[string]interface {}`);
        try {
          out = strategicMergePatch(current, p, patchMetaFor(r.info.group, r.version, r.info.kind));
        } catch (e) {
          if (e instanceof StrategicMergePatchError) throw strategicPatchStatus(e);
          throw e;
        }
    }
    if (!isObject(out)) throw badRequest("the patched object is not a JSON object");
    return { patched: out as KubeObject, patchBody: p };
  }

  private patch(r: ResourceRoute, req: Req, res: ServerResponse): void {
    const ct = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    const dry = this.dryRun(req);
    const stored = this.store.get(r.info.kind, r.namespace, r.name!);
    if (ct === "application/apply-patch+yaml") return this.serverSideApply(r, req, res, stored, dry);
    if (!stored) throw notFound(r.info.kind, r.name!);
    const current = structuredClone(this.out(r, stored));
    const { patched, patchBody } = this.applyPatch(r, req, current);
    const obj = checkTypeMeta(r, patched);
    if (obj.metadata.name !== r.name) throw badRequest(`the name of the object (${obj.metadata.name ?? ""}) does not match the name on the URL (${r.name})`);
    if (r.info.namespaced) obj.metadata.namespace = r.namespace ?? "default";
    this.decodePatched(obj, ct === "application/strategic-merge-patch+json", patchBody, req, res);
    dropUnknown(obj, this.parts.unknownFieldPaths(obj, false));
    const next = this.in(r, obj);
    if (r.info.kind === "HorizontalPodAutoscaler" && r.version === "v1" && !r.subresource) next.status = stored.status;
    recordManager(next, {
      manager: this.manager(req, "unknown"),
      operation: "Update",
      apiVersion: apiVersionOf(r.info, r.version),
      time: this.sim.clock.iso(),
      fieldsType: "FieldsV1",
      fieldsV1: fieldsOf(patchBody),
      ...(r.subresource ? { subresource: r.subresource } : {}),
    });
    const saved = this.commit(r, next, dry, r.subresource === "status");
    this.sendObject(res, 200, this.out(r, saved));
  }

  private serverSideApply(r: ResourceRoute, req: Req, res: ServerResponse, stored: KubeObject | undefined, dry: boolean): void {
    const q = req.url.searchParams;
    const manager = q.get("fieldManager");
    if (!manager) throw badRequest("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
    let applied: unknown;
    try {
      applied = parseYaml(req.body.toString("utf8"));
    } catch (e) {
      throw badRequest(`error decoding YAML: ${(e as Error).message}`);
    }
    unshiftTimestamps(applied, this.deltaMs());
    const body = checkTypeMeta(r, applied);
    if (body.metadata.name !== undefined && body.metadata.name !== r.name) {
      throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${r.name})`);
    }
    body.metadata.name = r.name;
    if (r.info.namespaced) body.metadata.namespace = r.namespace ?? "default";
    this.validateFields(body, req, res, false);
    dropUnknown(body, this.parts.unknownFieldPaths(body, false));
    const apiVersion = apiVersionOf(r.info, r.version);
    const time = this.sim.clock.iso();
    const force = q.get("force") === "true";
    if (!stored) {
      if (r.subresource) throw notFound(r.info.kind, r.name!);
      this.checkNamespace(r);
      const obj = this.in(r, body);
      stripServerFields(obj);
      recordManager(obj, { manager, operation: "Apply", apiVersion, time, fieldsType: "FieldsV1", fieldsV1: fieldsOf(body) });
      if (dry) return this.sendObject(res, 201, this.out(r, this.dryRunCreate(obj)));
      const created = this.store.create(obj);
      this.opts.settle();
      return this.sendObject(res, 201, this.out(r, this.store.get(r.info.kind, r.namespace, r.name!) ?? created));
    }
    const live = this.out(r, stored);
    const merged = serverSideApply(live, body, { manager, force, apiVersion, time });
    merged.metadata.resourceVersion = stored.metadata.resourceVersion;
    const next = this.in(r, merged);
    if (r.info.kind === "HorizontalPodAutoscaler" && r.version === "v1" && !r.subresource) next.status = stored.status;
    const saved = this.commit(r, next, dry, r.subresource === "status");
    this.sendObject(res, 200, this.out(r, saved));
  }

  private deleteOptions(req: Req): { propagationPolicy?: "Background" | "Foreground" | "Orphan"; gracePeriodSeconds?: number; resourceVersion?: string; uid?: string } {
    const q = req.url.searchParams;
    let body: any = {};
    if (req.body.length > 0) {
      body = parseJsonBody(req.body);
      if (!isObject(body)) throw badRequest("the body of the request must be a DeleteOptions object");
    }
    const policy = q.get("propagationPolicy") ?? body.propagationPolicy ?? (body.orphanDependents === true ? "Orphan" : undefined);
    if (policy !== undefined && policy !== "Background" && policy !== "Foreground" && policy !== "Orphan") {
      throw invalidDeleteOptions("propagationPolicy", policy, 'must be one of "Orphan", "Foreground", "Background" or "" (empty)');
    }
    const g = q.get("gracePeriodSeconds") ?? body.gracePeriodSeconds;
    const grace = g === undefined || g === null ? undefined : Number(g);
    if (grace !== undefined && (!Number.isInteger(grace) || grace < 0)) {
      throw invalidDeleteOptions("gracePeriodSeconds", g, "must be greater than or equal to 0");
    }
    const pre = isObject(body.preconditions) ? body.preconditions : {};
    return { propagationPolicy: policy, gracePeriodSeconds: grace, resourceVersion: pre.resourceVersion ?? undefined, uid: pre.uid ?? undefined };
  }

  private delete(r: ResourceRoute, req: Req, res: ServerResponse): void {
    const opts = this.deleteOptions(req);
    const dry = this.dryRun(req);
    const cur = this.store.get(r.info.kind, r.namespace, r.name!);
    if (!cur) throw notFound(r.info.kind, r.name!);
    if (opts.uid && opts.uid !== cur.metadata.uid) {
      throw conflict(r.info.kind, r.name!, `Precondition failed: UID in precondition: ${opts.uid}, UID in object meta: ${cur.metadata.uid}`);
    }
    if (dry) return this.sendObject(res, 200, this.out(r, cur));
    const after = this.store.delete(r.info.kind, r.namespace, r.name!, {
      propagationPolicy: opts.propagationPolicy,
      gracePeriodSeconds: opts.gracePeriodSeconds,
      resourceVersion: opts.resourceVersion,
    });
    this.opts.settle();
    const still = this.store.get(r.info.kind, r.namespace, r.name!);
    if (still && still.metadata.uid === cur.metadata.uid) return this.sendObject(res, 200, this.out(r, still));
    if (r.info.kind === "Pod") return this.sendObject(res, 200, this.out(r, after));
    sendJson(res, 200, successStatus({ name: r.name, group: r.info.group || undefined, kind: r.info.plural, uid: cur.metadata.uid }));
  }

  private deleteCollection(r: ResourceRoute, req: Req, res: ServerResponse): void {
    const opts = this.deleteOptions(req);
    const dry = this.dryRun(req);
    const f = this.filter(r, req.url.searchParams);
    let items = this.store.list(r.info.kind, { namespace: r.namespace, labelSelector: f.labels });
    if (f.fields) items = items.filter(f.fields);
    const out: KubeObject[] = [];
    for (const o of sortByKey(items)) {
      if (dry) {
        out.push(o);
        continue;
      }
      try {
        out.push(this.store.delete(r.info.kind, o.metadata.namespace, o.metadata.name!, opts));
      } catch (e) {
        if (!isApiError(e, "NotFound")) throw e;
      }
    }
    if (!dry) this.opts.settle();
    this.sendObject(res, 200, { kind: `${r.info.kind}List`, apiVersion: apiVersionOf(r.info, r.version), metadata: { resourceVersion: this.store.resourceVersion }, items: out.map((o) => this.out(r, o)) });
  }

  // ------------------------------------------------------------------------ subresources

  private subresource(r: ResourceRoute, req: Req, res: ServerResponse, method: string): void {
    const sub = r.subresource!;
    if (sub === "status" && hasStatus(r.info.kind)) {
      if (method === "GET") return this.get(r, req, res);
      if (method === "PUT") return this.replace(r, req, res);
      if (method === "PATCH") return this.patch(r, req, res);
      throw methodNotAllowed();
    }
    if (sub === "scale" && hasScale(r.info.kind)) return this.scale(r, req, res, method);
    if (r.info.kind === "Pod" && sub === "log") {
      if (method !== "GET") throw methodNotAllowed();
      return this.podLog(r, req, res);
    }
    if (r.info.kind === "Pod" && sub === "eviction") {
      if (method !== "POST") throw methodNotAllowed();
      return this.evict(r, req, res);
    }
    throw pathNotFound();
  }

  private scaleObject(r: ResourceRoute): KubeObject {
    const parent = this.store.get(r.info.kind, r.namespace, r.name!);
    if (!parent) throw notFound(r.info.kind, r.name!);
    const v = getScale(this.store, { kind: r.info.kind, name: r.name! }, r.namespace ?? "default");
    return {
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: {
        name: parent.metadata.name,
        namespace: parent.metadata.namespace,
        uid: parent.metadata.uid,
        resourceVersion: parent.metadata.resourceVersion,
        creationTimestamp: parent.metadata.creationTimestamp,
      },
      spec: { replicas: v.specReplicas },
      status: { replicas: v.statusReplicas, ...(v.selector ? { selector: v.selector } : {}) },
    };
  }

  private scale(r: ResourceRoute, req: Req, res: ServerResponse, method: string): void {
    const current = this.scaleObject(r);
    if (method === "GET") {
      if (renderingOf(req.headers.accept) === "table") {
        return this.sendObject(res, 200, this.parts.tableFor("Scale", [current], { nowMs: this.nowMs(), includeObject: includeObject(req), wide: true }), TABLE_CT);
      }
      return this.sendObject(res, 200, current);
    }
    let next: KubeObject;
    if (method === "PUT") {
      const raw = parseJsonBody(req.body);
      if (!isObject(raw)) throw badRequest("the body of the request must be a Scale object");
      next = raw as KubeObject;
    } else if (method === "PATCH") {
      const ct = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
      if (ct === "application/apply-patch+yaml") {
        const applied = parseYaml(req.body.toString("utf8"));
        if (!isObject(applied)) throw badRequest("the body of the request must be a Scale object");
        next = mergePatch(current, applied) as KubeObject;
      } else {
        next = this.applyPatch({ ...r, info: { ...r.info, group: "autoscaling" } }, req, structuredClone(current)).patched;
      }
    } else throw methodNotAllowed();
    if (next.kind !== undefined && next.kind !== "Scale") {
      throw badRequest(`${next.kind} in version "v1" cannot be handled as a Scale: the object provided is unrecognized`);
    }
    const meta = isObject(next.metadata) ? next.metadata : {};
    if (meta.name !== undefined && meta.name !== r.name) {
      throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${r.name})`);
    }
    if (meta.resourceVersion && meta.resourceVersion !== current.metadata.resourceVersion) throw conflict(r.info.kind, r.name!);
    const replicas = next.spec?.replicas;
    if (replicas !== undefined && typeof replicas !== "number") {
      throw badRequest(`Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal ${typeName(replicas)} into Go struct field ScaleSpec.spec.replicas of type int32`);
    }
    if (this.dryRun(req)) return this.sendObject(res, 200, { ...current, spec: { replicas: replicas ?? 0 } });
    updateScale(this.store, { kind: r.info.kind, name: r.name! }, r.namespace ?? "default", replicas ?? 0);
    this.opts.settle();
    this.sendObject(res, 200, this.scaleObject(r));
  }

  private podLog(r: ResourceRoute, req: Req, res: ServerResponse): void {
    const q = req.url.searchParams;
    const num = (k: string) => (q.get(k) !== null ? Number(q.get(k)) : undefined);
    const opts: LogOptions = {
      follow: q.get("follow") === "true",
      tailLines: num("tailLines"),
      timestamps: q.get("timestamps") === "true",
      previous: q.get("previous") === "true",
      sinceSeconds: num("sinceSeconds"),
      limitBytes: num("limitBytes"),
    };
    const sinceTime = q.get("sinceTime");
    if (sinceTime) {
      const t = Date.parse(sinceTime);
      if (!Number.isFinite(t)) throw badRequest(`sinceTime: Invalid value: "${sinceTime}": must be an RFC3339 time`);
      opts.sinceTimeMs = t;
    }
    const ns = r.namespace ?? "default";
    const container = q.get("container") ?? undefined;
    const pod = this.lookup("Pod", ns, r.name!);
    if (!pod) throw notFound("Pod", r.name!);
    const names = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].map((c: any) => c.name);
    if (container !== undefined && !names.includes(container)) {
      throw badRequest(`container ${container} is not valid for pod ${r.name}`);
    }
    if (container === undefined && names.length > 1) {
      throw badRequest(`a container name must be specified for pod ${r.name}, choose one of: [${names.join(" ")}]`);
    }
    if (!this.parts.podLogText) {
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end("");
      return;
    }
    // Log lines keep the components' own (virtual) clock, unlike object timestamps (encode.ts): a
    // line never changes once written, as a real component's log does not.
    const epochMs = this.sim.clock.epochMs;
    const text = this.parts.podLogText(this.sim.logs, r.name!, container, { ...opts, epochMs, nowMs: this.nowMs() });
    if (!opts.follow || !this.parts.followPodLog) {
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end(text);
      return;
    }
    res.writeHead(200, { "Content-Type": "text/plain", "Transfer-Encoding": "chunked", "Cache-Control": "no-cache, private" });
    res.flushHeaders();
    if (text) res.write(text);
    const unsub = this.parts.followPodLog(this.sim.logs, r.name!, container, { ...opts, epochMs }, (chunk) => {
      if (!res.writableEnded) res.write(chunk);
    });
    // The pod going away ends the stream, as the kubelet closes it.
    const stopPod = this.cache.subscribe("Pod", (e) => {
      if (e.type === "DELETED" && e.object.metadata.name === r.name && e.object.metadata.namespace === ns) res.end();
    });
    res.on("close", () => {
      unsub();
      stopPod();
    });
  }

  private evict(r: ResourceRoute, req: Req, res: ServerResponse): void {
    const body = parseJsonBody(req.body) as any;
    const opts = isObject(body?.deleteOptions) ? body.deleteOptions : {};
    this.store.delete("Pod", r.namespace, r.name!, { gracePeriodSeconds: opts.gracePeriodSeconds });
    this.opts.settle();
    sendJson(res, 201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
  }
}

// ------------------------------------------------------------------------ helpers

function groupPaths(): string[] {
  return [];
}

function qualified(kind: string): string {
  const k = kindInfo(kind);
  return k ? (k.group ? `${k.plural}.${k.group}` : k.plural) : kind.toLowerCase();
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  return typeof v === "object" ? "object" : typeof v;
}

function isYaml(req: Req): boolean {
  return /yaml/.test(String(req.headers["content-type"] ?? ""));
}

export function parseJsonBody(body: Buffer): unknown {
  const text = body.toString("utf8");
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
  }
}

function parseYamlBody(body: Buffer): unknown {
  try {
    return parseYaml(body.toString("utf8"));
  } catch (e) {
    throw badRequest(`error converting YAML to JSON: ${(e as Error).message}`);
  }
}

/** The body must be an object of the route's kind and group/version (kube-apiserver's decoder checks). */
function checkTypeMeta(r: ResourceRoute, raw: unknown): KubeObject {
  const expected = apiVersionOf(r.info, r.version);
  if (!isObject(raw)) throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(raw)?.slice(0, 200)}'`);
  const obj = dropNulls(raw) as KubeObject;
  if (obj.apiVersion === undefined || obj.apiVersion === "") obj.apiVersion = expected;
  if (obj.kind === undefined || obj.kind === "") obj.kind = r.info.kind;
  if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") throw badRequest("Object 'Kind' is missing or not a string");
  if (obj.apiVersion !== expected) {
    throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${expected})`);
  }
  if (obj.kind !== r.info.kind) {
    throw badRequest(
      `${obj.kind} in version "${r.version}" cannot be handled as a ${r.info.kind}: no kind "${obj.kind}" is registered for version "${expected}" in scheme "pkg/api/legacyscheme/scheme.go:30"`,
    );
  }
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  if (!isObject(obj.metadata)) {
    throw badRequest(`${obj.kind} in version "${r.version}" cannot be handled as a ${obj.kind}: json: cannot unmarshal ${typeName(obj.metadata)} into Go struct field ${obj.kind}.metadata of type v1.ObjectMeta`);
  }
  for (const k of ["name", "namespace", "generateName", "resourceVersion"] as const) {
    const v = obj.metadata[k];
    if (v !== undefined && v !== null && typeof v !== "string") {
      throw badRequest(`${obj.kind} in version "${r.version}" cannot be handled as a ${obj.kind}: json: cannot unmarshal ${typeName(v)} into Go struct field ObjectMeta.metadata.${k} of type string`);
    }
  }
  for (const k of ["labels", "annotations"] as const) {
    const v = obj.metadata[k];
    if (v === null) delete obj.metadata[k];
    else if (v !== undefined && (!isObject(v) || Object.values(v).some((x) => typeof x !== "string"))) {
      throw badRequest(`${obj.kind} in version "${r.version}" cannot be handled as a ${obj.kind}: json: cannot unmarshal into Go struct field ObjectMeta.metadata.${k} of type map[string]string`);
    }
  }
  if (obj.spec !== undefined && obj.spec !== null && !isObject(obj.spec)) {
    throw badRequest(`${obj.kind} in version "${r.version}" cannot be handled as a ${obj.kind}: json: cannot unmarshal ${typeName(obj.spec)} into Go struct field ${obj.kind}.spec of type ${r.version}.${obj.kind}Spec`);
  }
  return obj;
}

/** Go's decoder leaves a struct/map/slice/pointer field at its zero value for `null`: drop such keys. */
function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = dropNulls(v[i]);
    return v;
  }
  if (isObject(v)) {
    for (const k of Object.keys(v)) {
      if (v[k] === null) delete v[k];
      else dropNulls(v[k]);
    }
  }
  return v;
}

/** Server-owned metadata a create ignores. */
function stripServerFields(obj: KubeObject): void {
  const m = obj.metadata;
  delete m.uid;
  delete m.resourceVersion;
  delete m.creationTimestamp;
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  delete m.generation;
  delete m.managedFields;
}

/** Drop the fields the decoder would not have kept (paths as `a.b[0].c`). */
function dropUnknown(obj: KubeObject, paths: string[]): void {
  for (const p of paths) {
    const segs = p.split(/\.|(?=\[)/).filter(Boolean);
    let cur: any = obj;
    for (let i = 0; i < segs.length - 1 && cur !== undefined; i++) {
      const s = segs[i]!;
      cur = s.startsWith("[") ? cur[Number(s.slice(1, -1))] : cur[s];
    }
    const last = segs[segs.length - 1];
    if (cur && typeof cur === "object" && last !== undefined && !last.startsWith("[")) delete cur[last];
  }
}

/**
 * interpretStrategicMergePatchError: malformed directives are BadRequest; lists of lists and
 * retainKeys mismatches NewGenericServerResponse(422), whose message drops the cause; anything
 * else the 500 a plain Go error becomes (no reason).
 */
function strategicPatchStatus(e: StrategicMergePatchError): ApiError {
  if (e.code === 400) return badRequest(e.message);
  if (e.code === 422) return statusError(422, "Invalid", "the server rejected our request due to an error in our request", {});
  return new ApiError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: e.message, code: e.code } as unknown as Status);
}

/**
 * patch.go's `errors.NewInvalid(schema.GroupKind{}, "", {field.Invalid(field.NewPath("patch"), shown, detail)})`:
 * no kind or name, so kubectl prints "The request is invalid: patch: Invalid value: …".
 */
function patchInvalid(shown: string, detail: string): ApiError {
  const text = fieldErrorText({ type: "Invalid", field: "patch", value: shown, detail });
  return new ApiError({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: ` "" is invalid: ${text}`,
    reason: "Invalid",
    details: { causes: [{ reason: "FieldValueInvalid", message: text.slice("patch: ".length), field: "patch" }] },
    code: 422,
  });
}

/** JSON with every object's keys sorted, as Go marshals a map. */
function sortedJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (isObject(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x));
}

function invalidDeleteOptions(field: string, value: unknown, detail: string): ApiError {
  return invalid("DeleteOptions", "", [{ type: "Invalid", field, value, detail }]);
}

function includeObject(req: Req): "None" | "Object" | "Metadata" {
  const v = req.url.searchParams.get("includeObject");
  return v === "None" || v === "Object" ? v : "Metadata";
}


function sortByKey(items: KubeObject[]): KubeObject[] {
  const keyed = items.map((o) => [(o.metadata.namespace ?? "") + "/" + o.metadata.name, o] as const);
  keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return keyed.map((x) => x[1]);
}

function encodeContinue(t: { id: string; offset: number; rv: string }): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: Number(t.rv), start: `${t.id}:${t.offset}` })).toString("base64");
}

function decodeContinue(s: string): { id: string; offset: number } | undefined {
  try {
    const o = JSON.parse(Buffer.from(s, "base64").toString("utf8"));
    const [id, off] = String(o.start).split(":");
    const offset = Number(off);
    if (!id || !Number.isInteger(offset) || offset < 0) return undefined;
    return { id, offset };
  } catch {
    return undefined;
  }
}

export type { Req, Rendering };
