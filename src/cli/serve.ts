/**
 * `scalelab serve [SCENARIO...]`: run the simulation at --speed × real time and serve the Kubernetes
 * API over it, so the real kubectl works verbatim.
 *
 * With no scenario, the cluster is an empty EKS cluster in us-east-1 with one managed node group of
 * 3 × m5.large (one node per zone), so pods can run. With several files, the first supplies the
 * Scenario document (if any) and the manifests of all are applied at t = 0.
 */
import { registerControllerViews } from "../server/components.js";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadManifestFile, loadScenarioFile, loadScenarioText, ScenarioError } from "../scenario/loader.js";
import type { Scenario } from "../scenario/types.js";
import { Simulation, SimulationInputError } from "../sim/simulation.js";
import { isLoopback } from "../server/auth.js";
import { kubeconfigYaml } from "../server/kubeconfig.js";
import { ApiServer } from "../server/server.js";

export const SERVE_USAGE = `Usage:
  scalelab serve [SCENARIO...] [--speed N] [--port P] [--address A] [--token T]
                 [--tls-cert FILE --tls-key FILE] [--kubeconfig PATH] [--seed N]

Serves the Kubernetes API of the simulated cluster (kubectl 1.32 works verbatim).
  --speed N        virtual seconds per real second (default 1; 60 = a minute per second)
  --port P         listen port (default 6443; 0 = any free port)
  --address A      listen address (default 127.0.0.1; any other address requires --token)
  --token T        require "Authorization: Bearer T" on every request
  --tls-cert/--tls-key   serve HTTPS with this certificate and key (PEM files). With --token and
                   no certificate, a self-signed one is made with openssl (kubectl never sends
                   a bearer token over plain http)
  --kubeconfig P   where to write the kubeconfig (default: $TMPDIR/scalelab/kubeconfig-<port>.yaml)
With no scenario: an empty EKS cluster (us-east-1, 3 x m5.large, one per zone).
`;

export const DEFAULT_SERVE_SCENARIO = `apiVersion: scalelab.dev/v1alpha1
kind: Scenario
metadata:
  name: scalelab
spec:
  region: us-east-1
  duration: 8760h
  nodeGroups:
    - name: default
      instanceType: m5.large
      desired: 3
      min: 3
      max: 3
`;

export interface ServeSetup {
  scenario: Scenario;
}

/** Load the scenario files (or the default cluster) for serve. */
export function loadServeScenario(files: string[]): Scenario {
  if (files.length === 0) return loadScenarioText(DEFAULT_SERVE_SCENARIO, "scalelab-default.yaml");
  const first = loadScenarioFile(files[0]!);
  for (const f of files.slice(1)) first.objects.push(...loadManifestFile(f));
  return first;
}

export interface StartedServe {
  server: ApiServer;
  sim: Simulation;
  url: string;
  port: number;
  kubeconfigPath: string;
}

export interface ServeOptions {
  files: string[];
  speed: number;
  port: number;
  address: string;
  token?: string;
  tlsCert?: string;
  tlsKey?: string;
  kubeconfig?: string;
  seed?: number;
  /** Calendar time of virtual t = 0 (default: now, so ages read right at --speed 1). */
  startTimeMs?: number;
}

export async function startServe(o: ServeOptions): Promise<StartedServe> {
  if (!isLoopback(o.address) && !o.token) throw new Error(`--address ${o.address} is reachable from other machines: set --token`);
  if (!!o.tlsCert !== !!o.tlsKey) throw new Error("--tls-cert and --tls-key go together");
  const scenario = loadServeScenario(o.files);
  // Wall clock → calendar time of t = 0: timestamps then read as "now" in kubectl's client-side ages.
  scenario.spec.startTimeMs = o.startTimeMs ?? Math.floor(Date.now() / 1000) * 1000;
  const sim = new Simulation(scenario, { seed: o.seed });
  let tls: { cert: Buffer; key: Buffer } | undefined = o.tlsCert && o.tlsKey ? { cert: readFileSync(o.tlsCert), key: readFileSync(o.tlsKey) } : undefined;
  let caPem: string | undefined;
  if (!tls && o.token) {
    const made = selfSignedCertificate(o.address);
    tls = made;
    caPem = made.cert.toString();
  }
  registerControllerViews(sim);
  const server = new ApiServer(sim, { speed: o.speed, token: o.token, tls, parts: undefined });
  const { port, url } = await server.listen(o.port, o.address);
  const kubeconfigPath = resolve(o.kubeconfig ?? join(tmpdir(), "scalelab", `kubeconfig-${port}.yaml`));
  mkdirSync(dirname(kubeconfigPath), { recursive: true });
  writeFileSync(kubeconfigPath, kubeconfigYaml({ server: url, token: o.token, caPem }), { mode: 0o600 });
  return { server, sim, url, port, kubeconfigPath };
}

/** A throwaway self-signed certificate for 127.0.0.1/localhost (and `address`), made with openssl. */
export function selfSignedCertificate(address: string): { cert: Buffer; key: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), "scalelab-tls-"));
  const san = ["DNS:localhost", "IP:127.0.0.1"];
  if (address && address !== "127.0.0.1" && address !== "0.0.0.0" && address !== "::") san.push(/^[\d.]+$|:/.test(address) ? `IP:${address}` : `DNS:${address}`);
  try {
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", "/CN=scalelab", "-addext", `subjectAltName=${san.join(",")}`,
        "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
      { stdio: "ignore" },
    );
  } catch (e) {
    throw new Error(`--token needs TLS (kubectl does not send bearer tokens over http): pass --tls-cert/--tls-key, or install openssl (${(e as Error).message})`);
  }
  return { cert: readFileSync(join(dir, "cert.pem")), key: readFileSync(join(dir, "key.pem")) };
}

export async function serveCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        speed: { type: "string", default: "1" },
        port: { type: "string", default: "6443" },
        address: { type: "string", default: "127.0.0.1" },
        token: { type: "string" },
        "tls-cert": { type: "string" },
        "tls-key": { type: "string" },
        kubeconfig: { type: "string" },
        seed: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n${SERVE_USAGE}`);
    return 2;
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(SERVE_USAGE);
    return 0;
  }
  const speed = Number(v.speed);
  if (!Number.isFinite(speed) || speed < 0) {
    process.stderr.write(`error: invalid argument "${v.speed}" for "--speed" flag: must be a number >= 0\n`);
    return 2;
  }
  const port = Number(v.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`error: invalid argument "${v.port}" for "--port" flag: must be an integer 0..65535\n`);
    return 2;
  }
  const seed = v.seed !== undefined ? Number(v.seed) : undefined;
  if (seed !== undefined && !Number.isInteger(seed)) {
    process.stderr.write(`error: invalid argument "${v.seed}" for "--seed" flag: must be an integer\n`);
    return 2;
  }
  let started: StartedServe;
  try {
    started = await startServe({
      files: parsed.positionals,
      speed,
      port,
      address: v.address as string,
      token: v.token,
      tlsCert: v["tls-cert"],
      tlsKey: v["tls-key"],
      kubeconfig: v.kubeconfig,
      seed,
    });
  } catch (e) {
    if (e instanceof ScenarioError || e instanceof SimulationInputError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`error: ${(e as Error).message}\n`);
    return 1;
  }
  process.stdout.write(
    `scalelab: serving the Kubernetes API of "${started.sim.scenario.spec.name}" at ${started.url} (speed ${speed}x)\n` +
      `export KUBECONFIG=${started.kubeconfigPath}\n`,
  );
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await started.server.close();
  return 0;
}
