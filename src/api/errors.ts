/**
 * API errors shaped like metav1.Status, worded like kube-apiserver, so the CLI, the HTTP server and
 * kubectl all print the same lines a user sees against EKS.
 */
import { kindInfo, qualifiedKind, qualifiedResource } from "./kinds.js";

export type StatusReason =
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Invalid"
  | "BadRequest"
  | "Forbidden"
  | "MethodNotAllowed"
  | "UnsupportedMediaType"
  | "RequestEntityTooLarge"
  | "Unauthorized"
  | "InternalError";

export interface StatusCause {
  reason: string; // FieldValueInvalid, FieldValueRequired, FieldValueNotSupported, FieldValueDuplicate, FieldValueForbidden, FieldValueTooLong
  message: string;
  field: string;
}

export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure";
  message: string;
  reason: StatusReason;
  details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[] };
  code: number;
}

export class ApiError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
    this.name = "ApiError";
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): StatusReason {
    return this.status.reason;
  }
}

function status(code: number, reason: StatusReason, message: string, details?: Status["details"]): ApiError {
  return new ApiError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, details, code });
}

function resourceName(kind: string): { resource: string; group: string; plural: string } {
  const k = kindInfo(kind);
  return k
    ? { resource: qualifiedResource(k), group: k.group, plural: k.plural }
    : { resource: kind.toLowerCase(), group: "", plural: kind.toLowerCase() };
}

export function notFound(kind: string, name: string): ApiError {
  const r = resourceName(kind);
  return status(404, "NotFound", `${r.resource} "${name}" not found`, { name, group: r.group || undefined, kind: r.plural });
}

export function alreadyExists(kind: string, name: string): ApiError {
  const r = resourceName(kind);
  return status(409, "AlreadyExists", `${r.resource} "${name}" already exists`, { name, group: r.group || undefined, kind: r.plural });
}

export function conflict(kind: string, name: string, why = "the object has been modified; please apply your changes to the latest version and try again"): ApiError {
  const r = resourceName(kind);
  return status(409, "Conflict", `Operation cannot be fulfilled on ${r.resource} "${name}": ${why}`, {
    name,
    group: r.group || undefined,
    kind: r.plural,
  });
}

export function badRequest(message: string): ApiError {
  return status(400, "BadRequest", message);
}

export function forbidden(message: string): ApiError {
  return status(403, "Forbidden", message);
}

/** One field error, as `field.ErrorList` renders it. */
export interface FieldError {
  type: "Invalid" | "Required" | "NotSupported" | "Duplicate" | "Forbidden" | "TooLong" | "TooMany";
  field: string;
  value?: unknown;
  detail?: string;
  supported?: string[];
  /** Pre-rendered bad value (Go `%#v`/Stringer text as field.Error prints it), used verbatim instead of `value`. */
  rendered?: string;
}

const CAUSE_REASON: Record<FieldError["type"], string> = {
  Invalid: "FieldValueInvalid",
  Required: "FieldValueRequired",
  NotSupported: "FieldValueNotSupported",
  Duplicate: "FieldValueDuplicate",
  Forbidden: "FieldValueForbidden",
  TooLong: "FieldValueTooLong",
  TooMany: "FieldValueTooMany",
};

/** Go's %#v-ish rendering of a bad value, as field.Error.Error() prints it. */
function renderValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (v === null || v === undefined) return "null";
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

export function fieldErrorText(e: FieldError): string {
  switch (e.type) {
    case "Required":
      return `${e.field}: Required value${e.detail ? `: ${e.detail}` : ""}`;
    case "Forbidden":
      return `${e.field}: Forbidden${e.detail ? `: ${e.detail}` : ""}`;
    case "NotSupported":
      return `${e.field}: Unsupported value: ${e.rendered ?? renderValue(e.value)}${
        e.supported ? `: supported values: ${e.supported.map((s) => JSON.stringify(s)).join(", ")}` : ""
      }`;
    case "Duplicate":
      return `${e.field}: Duplicate value: ${e.rendered ?? renderValue(e.value)}`;
    case "TooLong":
      return `${e.field}: Too long: ${e.detail ?? ""}`;
    case "TooMany":
      return `${e.field}: Too many: ${e.detail ?? ""}`;
    default:
      return `${e.field}: Invalid value: ${e.rendered ?? renderValue(e.value)}${e.detail ? `: ${e.detail}` : ""}`;
  }
}

/**
 * `Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0`
 * (several errors are joined as `[a, b]`, as apimachinery's ErrorList.ToAggregate does).
 */
export function invalid(kind: string, name: string, errors: FieldError[]): ApiError {
  const k = kindInfo(kind);
  const qk = k ? qualifiedKind(k) : kind;
  const texts = errors.map(fieldErrorText);
  const joined = texts.length === 1 ? texts[0] : `[${texts.join(", ")}]`;
  return status(422, "Invalid", `${qk} "${name}" is invalid: ${joined}`, {
    name,
    group: k?.group || undefined,
    kind: k?.kind ?? kind,
    causes: errors.map((e) => ({ reason: CAUSE_REASON[e.type], message: fieldErrorText(e).slice(e.field.length + 2), field: e.field })),
  });
}

export function isApiError(e: unknown, reason?: StatusReason): e is ApiError {
  return e instanceof ApiError && (reason === undefined || e.reason === reason);
}
