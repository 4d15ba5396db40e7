/**
 * Request paths of the Kubernetes REST API, parsed the way kube-apiserver's RequestInfoFactory does:
 * `/api/v1/...`, `/apis/{group}/{version}/...`, then `[namespaces/{ns}/]{resource}[/{name}[/{subresource}]]`.
 */
export type Route =
  | { type: "root" }
  | { type: "version" }
  | { type: "health"; which: string }
  | { type: "api" }
  | { type: "apis" }
  | { type: "group"; group: string }
  | { type: "groupVersion"; group: string; version: string }
  | { type: "openapi"; path: string }
  | {
      type: "resource";
      group: string;
      version: string;
      namespace?: string;
      resource: string;
      name?: string;
      subresource?: string;
      /** Path segments after the subresource (e.g. proxy paths); normally empty. */
      rest: string[];
    }
  | { type: "unknown" };

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function parsePath(pathname: string): Route {
  const segs = pathname.split("/").filter((s) => s !== "").map(decode);
  if (segs.length === 0) return { type: "root" };
  const [head] = segs;
  if (head === "version" && segs.length === 1) return { type: "version" };
  if ((head === "healthz" || head === "readyz" || head === "livez") && segs.length <= 2) return { type: "health", which: segs.join("/") };
  if (head === "openapi") return { type: "openapi", path: segs.slice(1).join("/") };
  let group: string;
  let version: string;
  let rest: string[];
  if (head === "api") {
    if (segs.length === 1) return { type: "api" };
    group = "";
    version = segs[1]!;
    rest = segs.slice(2);
  } else if (head === "apis") {
    if (segs.length === 1) return { type: "apis" };
    if (segs.length === 2) return { type: "group", group: segs[1]! };
    group = segs[1]!;
    version = segs[2]!;
    rest = segs.slice(3);
  } else {
    return { type: "unknown" };
  }
  if (rest.length === 0) return { type: "groupVersion", group, version };
  let namespace: string | undefined;
  // namespaces/{ns}/{resource}... — but namespaces/{name}/{status|finalize} is the Namespace's subresource.
  if (rest[0] === "namespaces" && rest.length >= 3 && !(rest.length === 3 && (rest[2] === "status" || rest[2] === "finalize"))) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...more] = rest;
  return { type: "resource", group, version, namespace, resource: resource!, name, subresource, rest: more };
}

/** The Accept header's wish for a Table / PartialObjectMetadata rendering. */
export type Rendering = "object" | "table" | "partial";

export function renderingOf(accept: string | undefined): Rendering {
  if (!accept) return "object";
  for (const part of accept.split(",")) {
    const m = /;\s*as=([A-Za-z]+)/.exec(part);
    if (!m) {
      // First acceptable plain type wins (kubectl lists Table first when it wants one).
      if (/application\/(json|yaml|vnd\.kubernetes\.protobuf)|\*\/\*/.test(part)) return "object";
      continue;
    }
    if (!/g=meta\.k8s\.io/.test(part)) continue;
    if (m[1] === "Table") return "table";
    if (m[1] === "PartialObjectMetadata" || m[1] === "PartialObjectMetadataList") return "partial";
  }
  return "object";
}
