/**
 * metav1.Status answers, worded like kube-apiserver, for the failures that are the server's own
 * (unknown paths, methods, media types, body limits, authentication). Store errors already carry
 * their Status (src/api/errors.ts).
 */
import type { ServerResponse } from "node:http";
import { ApiError, type Status, type StatusReason } from "../api/errors.js";

export function statusError(code: number, reason: StatusReason, message: string, details?: Status["details"]): ApiError {
  return new ApiError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, details, code });
}

/** 404 for a path no handler serves (`kubectl get --raw /nope`). */
export function pathNotFound(): ApiError {
  return statusError(404, "NotFound", "the server could not find the requested resource", {});
}

export function methodNotAllowed(): ApiError {
  return statusError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", {});
}

export function unsupportedMediaType(accepted: string[]): ApiError {
  return statusError(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
    {},
  );
}

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export function tooLarge(limit = MAX_BODY_BYTES): ApiError {
  return statusError(413, "RequestEntityTooLarge", `Request entity too large: limit is ${limit}`, {});
}

export function unauthorized(): ApiError {
  return statusError(401, "Unauthorized", "Unauthorized");
}

export function badRequest(message: string): ApiError {
  return statusError(400, "BadRequest", message);
}

/** 410 Gone, as a watch from a compacted resourceVersion or an expired continue token gets it. */
export function expired(message: string): ApiError {
  return new ApiError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason: "Expired" as StatusReason, code: 410 });
}

export function internalError(message: string): ApiError {
  return statusError(500, "InternalError", `Internal error occurred: ${message}`, { causes: [{ reason: "", message, field: "" }] });
}

/** A Status{status: Success} (delete of an object removed at once). */
export function successStatus(details: Status["details"] & { uid?: string }): Record<string, unknown> {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details };
}

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = "application/json"): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(code, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(text), "Cache-Control": "no-cache, private" });
  res.end(text);
}

export function sendStatus(res: ServerResponse, err: ApiError): void {
  sendJson(res, err.status.code, err.status);
}
