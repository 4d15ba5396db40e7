/** The kubeconfig `scalelab serve` writes, so that `kubectl` and client-node need no extra flags. */
import { stringify } from "yaml";

export interface KubeconfigOptions {
  server: string;
  token?: string;
  /** PEM of the CA that signed the TLS certificate; without it TLS verification is skipped. */
  caPem?: string;
  name?: string;
  namespace?: string;
}

export function kubeconfigYaml(o: KubeconfigOptions): string {
  const name = o.name ?? "scalelab";
  const cluster: Record<string, unknown> = { server: o.server };
  if (o.caPem) cluster["certificate-authority-data"] = Buffer.from(o.caPem).toString("base64");
  // client-node 1.x refuses http:// unless TLS verification is skipped; kubectl accepts it either way.
  else cluster["insecure-skip-tls-verify"] = true;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster }],
    users: [{ name, user: o.token ? { token: o.token } : {} }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: o.namespace ?? "default" } }],
    "current-context": name,
    preferences: {},
  });
}
