/**
 * Recognise the load generators the labs start as pods: a shell request loop such as
 * `while sleep 0.01; do wget -q -O- http://php-apache; done` or
 * `while true; do curl -s http://web.shop.svc.cluster.local:8080/; sleep 0.3; done`.
 * Each such pod is one closed-loop client of the Service its URL names.
 */
export interface ShellLoop {
  namespace: string;
  service: string;
  /** Sum of the loop's sleeps (ms): the client's think time. */
  thinkTimeMs: number;
}

export function loadLoop(script: string, podNamespace: string): ShellLoop | undefined {
  if (!/\bwhile\b/.test(script) || !/\b(wget|curl)\b/.test(script)) return undefined;
  const url = /\bhttps?:\/\/([A-Za-z0-9.-]+)(?::\d+)?/.exec(script);
  if (!url) return undefined;
  const host = url[1]!.toLowerCase();
  if (/^\d+(\.\d+){3}$/.test(host)) return undefined; // a ClusterIP: cannot tell the Service
  const labels = host.split(".");
  const service = labels[0]!;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(service)) return undefined;
  const namespace = labels.length >= 2 && labels[1] !== "svc" ? labels[1]! : podNamespace;
  let thinkTimeMs = 0;
  for (const m of script.matchAll(/\bsleep\s+([0-9]*\.?[0-9]+)(ms|s|m)?\b/g)) {
    const unit = m[2] === "ms" ? 1 : m[2] === "m" ? 60_000 : 1000;
    thinkTimeMs += Math.round(Number(m[1]) * unit);
  }
  return { namespace, service, thinkTimeMs };
}

/** The loop a pod runs, if any of its containers' command + args is one. */
export function podLoadLoop(pod: { metadata: { namespace?: string }; spec?: any }): ShellLoop | undefined {
  for (const c of pod.spec?.containers ?? []) {
    const script = [...(c.command ?? []), ...(c.args ?? [])].join(" ");
    const loop = loadLoop(script, pod.metadata.namespace ?? "default");
    if (loop) return loop;
  }
  return undefined;
}
