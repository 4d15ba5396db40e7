/**
 * The pieces of the API server written beside the core (tables, OpenAPI, metrics.k8s.io, pod logs,
 * protobuf bodies), gathered behind one interface so the request handlers can be tested with fakes.
 */
import type { LogSink } from "../api/logs.js";
import type { KubeObject } from "../api/meta.js";
import type { Store } from "../api/store.js";
import type { Clock } from "../core/clock.js";
import type { ResourceMetricsApi } from "../metrics/api.js";
import { allKinds } from "../api/kinds.js";
import { tableFor, tableForCustom, hasPrinter, type PrinterColumn, type TableOptions } from "./tables.js";
import { metricsApiResponse } from "./metrics-api.js";
import { componentPodObjects, followPodLog, podLogText } from "./logs.js";
import { decodeProtobuf, ProtobufDecodeError } from "./protobuf.js";
import { badRequest, unsupportedMediaType } from "./status.js";
import { strictDecodingMessage, unknownFieldPaths } from "../api/schema/decode.js";
import { openapiV3Document, openapiV3Index, unknownFieldWarnings } from "./openapi.js";

export interface LogOptions {
  follow?: boolean;
  tailLines?: number;
  timestamps?: boolean;
  previous?: boolean;
  sinceSeconds?: number;
  /** Unix ms (`sinceTime`), on the same clock as `epochMs`. */
  sinceTimeMs?: number;
  limitBytes?: number;
}

export interface ServerParts {
  tableFor(kind: string, objects: readonly KubeObject[], opts: TableOptions): object;
  openapiV3Index(): object;
  openapiV3Document(groupVersion: string): object | undefined;
  unknownFieldPaths(obj: KubeObject, sorted: boolean): string[];
  strictDecodingMessage(obj: KubeObject, paths: readonly string[]): string;
  unknownFieldWarnings(paths: readonly string[]): string[];
  metricsApiResponse?(path: string, api: ResourceMetricsApi | undefined, store: Store, clock: Clock, query: URLSearchParams): { status: number; body: unknown } | undefined;
  /** Text of a pod's log (epochMs: calendar time of virtual 0; nowMs: Unix ms now). */
  podLogText?(logs: LogSink, pod: string, container: string | undefined, opts: LogOptions & { epochMs: number; nowMs: number }): string;
  /** Follow a pod's log: `write` gets each new chunk; returns the unsubscribe. */
  followPodLog?(logs: LogSink, pod: string, container: string | undefined, opts: LogOptions & { epochMs: number }, write: (chunk: string) => void): () => void;
  /**
   * Virtual kube-system pods standing for the simulated components (served by GET/LIST/WATCH of pods
   * but never stored, so no controller acts on them), created at `nowIso`.
   */
  componentPods?(nowIso: string): KubeObject[];
  decodeProtobuf?(body: Buffer, contentType: string): KubeObject;
}

/** Printer columns of CRD kinds (registered by the CRD handling). */
export const customPrinterColumns = new Map<string, readonly PrinterColumn[]>();

export function defaultParts(): ServerParts {
  return {
    tableFor: (kind, objects, opts) => {
      const cols = customPrinterColumns.get(kind);
      if (cols || !hasPrinter(kind)) return cols ? tableForCustom(objects, cols, opts) : tableFor(kind, objects, opts);
      return tableFor(kind, objects, opts);
    },
    openapiV3Index: () => openapiV3Index(allKinds()),
    openapiV3Document: (gv) => openapiV3Document(gv, allKinds()),
    unknownFieldPaths: (obj, sorted) => unknownFieldPaths(obj, { sorted }),
    strictDecodingMessage: (obj, paths) => strictDecodingMessage(obj, paths),
    unknownFieldWarnings: (paths) => unknownFieldWarnings(paths),
    componentPods: (nowIso) => componentPodObjects({ nowIso }),
    podLogText: (logs, pod, container, o) =>
      podLogText(logs, pod, container, {
        nowMs: o.nowMs,
        epochMs: o.epochMs,
        tailLines: o.tailLines,
        sinceSeconds: o.sinceSeconds,
        sinceTimeMs: o.sinceTimeMs,
        timestamps: o.timestamps,
        limitBytes: o.limitBytes,
      }),
    followPodLog: (logs, pod, container, o, write) => followPodLog(logs, pod, container, write, { epochMs: o.epochMs, timestamps: o.timestamps }),
    metricsApiResponse: (path, api, store, clock, query) => (api ? metricsApiResponse(path, api, store, clock, query) : undefined),
    decodeProtobuf: (body, ct) => {
      try {
        return decodeProtobuf(body, ct);
      } catch (e) {
        if (e instanceof ProtobufDecodeError) {
          if (e.unsupported) throw unsupportedMediaType(["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]);
          throw badRequest(e.message);
        }
        throw e;
      }
    },
  };
}
