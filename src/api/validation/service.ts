/**
 * Service validation as pkg/apis/core/validation ValidateService / ValidateServiceUpdate (1.32):
 * DNS-1035 name, type, ports (name/port/protocol/targetPort/nodePort), selector, session affinity,
 * clusterIP(s) that may not change once set.
 */
import type { KubeObject } from "../meta.js";
import {
  duplicate,
  invalid,
  isDNS1123Label,
  isValidPortNum,
  nameIsDNS1035Label,
  notSupported,
  required,
  validateLabels,
  validateObjectMeta,
  type Errs,
} from "./meta.js";
import { validatePortNumOrName } from "./pod.js";

const SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
const PROTOCOLS = ["SCTP", "TCP", "UDP"];
const AFFINITIES = ["ClientIP", "None"];
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

const isHeadless = (svc: KubeObject): boolean => svc.spec?.clusterIP === "None";

export function validateService(svc: KubeObject, old?: KubeObject): Errs {
  const errs: Errs = [];
  validateObjectMeta(svc.metadata, true, nameIsDNS1035Label, errs);
  const spec = svc.spec ?? {};
  const type = spec.type ?? "";
  const ports: any[] = spec.ports ?? [];
  if (type !== "ExternalName" && ports.length === 0 && !isHeadless(svc)) errs.push(required("spec.ports"));
  if (type === "ExternalName") {
    if (!spec.externalName) errs.push(required("spec.externalName"));
  }
  const names = new Set<string>();
  const requireName = ports.length > 1;
  ports.forEach((p, i) => {
    const ip = `spec.ports[${i}]`;
    if (requireName && !p.name) errs.push(required(`${ip}.name`));
    else if (p.name) {
      for (const m of isDNS1123Label(p.name)) errs.push(invalid(`${ip}.name`, p.name, m));
      if (names.has(p.name)) errs.push(duplicate(`${ip}.name`, p.name));
      names.add(p.name);
    }
    for (const m of isValidPortNum(p.port ?? 0)) errs.push(invalid(`${ip}.port`, p.port ?? 0, m));
    if (!p.protocol) errs.push(required(`${ip}.protocol`));
    else if (!PROTOCOLS.includes(p.protocol)) errs.push(notSupported(`${ip}.protocol`, p.protocol, PROTOCOLS));
    validatePortNumOrName(p.targetPort, `${ip}.targetPort`, errs);
    if (p.nodePort !== undefined && p.nodePort !== 0) {
      if (type !== "NodePort" && type !== "LoadBalancer") {
        errs.push({ type: "Forbidden", field: `${ip}.nodePort`, detail: "may not be used when `type` is 'ClusterIP'" });
      } else for (const m of isValidPortNum(p.nodePort)) errs.push(invalid(`${ip}.nodePort`, p.nodePort, m));
    }
  });
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const key = `${p.protocol}/${p.port}`;
    if (seen.has(key)) {
      errs.push({ type: "Duplicate", field: `spec.ports[${i}]`, value: p, rendered: `core.ServicePort{Name:"", Protocol:${JSON.stringify(p.protocol ?? "")}, AppProtocol:(*string)(nil), Port:${p.port}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}` });
    }
    seen.add(key);
  });
  if (!SERVICE_TYPES.includes(type)) errs.push(notSupported("spec.type", type, SERVICE_TYPES));
  if (type !== "ExternalName") validateLabels(spec.selector, "spec.selector", errs);
  if (spec.sessionAffinity !== undefined && !AFFINITIES.includes(spec.sessionAffinity)) {
    errs.push(notSupported("spec.sessionAffinity", spec.sessionAffinity, AFFINITIES));
  }
  const ip = spec.clusterIP;
  if (ip && ip !== "None" && !IPV4.test(ip)) {
    errs.push(invalid("spec.clusterIPs[0]", ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
  }
  if (old) {
    const o = old.spec ?? {};
    if (type !== "ExternalName" && o.type !== "ExternalName" && !(isHeadless(svc) && isHeadless(old))) {
      const oldIPs: string[] = o.clusterIPs ?? (o.clusterIP ? [o.clusterIP] : []);
      const newIPs: string[] = spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : []);
      oldIPs.forEach((v, i) => {
        if (i < newIPs.length && newIPs[i] !== v) {
          errs.push(invalid(`spec.clusterIPs[${i}]`, newIPs, "may not change once set", `[]string{${newIPs.map((s) => JSON.stringify(s)).join(", ")}}`));
        }
      });
    }
  }
  return errs;
}
