/**
 * The `scalelab` command. Only this layer (and src/server) may touch the wall clock: for `--speed`
 * pacing and progress bars; the simulation itself runs on virtual time.
 */
import { parseArgs } from "node:util";
import { runCommand } from "./run.js";
import { serveCommand } from "./serve.js";
import { nodesCommand } from "./nodes.js";
import { compareMain } from "./compare.js";

const USAGE = `scalelab — the EKS autoscaling stack on a simulated cluster, on virtual time

Usage:
  scalelab run FILE [--output text|json] [--seed N] [--until DURATION] [--speed N] [--logs] [--quiet-pods] [-A] [--nodes]

  scalelab compare A.yaml B.yaml [C.yaml…] [--seed N] [--until DURATION] [--output text|json]
  scalelab compare FILE --variant 'NAME: [Kind/name] path=value[; …]' [--variant …] [--seed N] [--until DURATION] [--output text|json]

  scalelab nodes FILE [--at DURATION] [--seed N] [--resources cpu,memory] [--node-selector SELECTOR]
  scalelab nodes --kubeconfig PATH | --server URL [--token T]   (the view of a running scalelab serve)

  scalelab serve [SCENARIO...] [--speed N] [--port P] [--address A] [--token T] [--tls-cert F --tls-key F] [--kubeconfig PATH]

Commands:
  run     Run a scenario file (a Scenario document plus Kubernetes manifests) and print what happens.
  compare Run scenarios (or variants of one) with the same seed and print their summaries side by side
          (scalelab compare --help for the options).
  nodes   Run a scenario to --at and print the eks-node-viewer view (requests vs allocatable, $/hour, $/month).
  serve   Run the simulation at --speed x real time and serve the Kubernetes API (kubectl works verbatim).

Options for run:
  -o, --output   text (default: the kubectl get hpa -w view, events, pod counts, summary) or json
                 (one JSON object per line, each with t = simulated seconds and type)
      --seed     RNG seed (default: the scenario's spec.seed)
      --until    stop at this simulated time (e.g. 20m; default: the scenario's spec.duration)
      --speed    0 = as fast as possible (default); 1 = real time; 60 = a minute per second
      --logs     include controller logs (type "log" records / log lines)
      --quiet-pods  omit per-pod records
      --nodes    print the eks-node-viewer view of the nodes at the end (json: a "nodes" record)
  -A, --all-namespaces  text output: include kube-system's events and pods
  -h, --help     this help
`;

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === "-h" || cmd === "--help" || cmd === "help") {
    process.stdout.write(USAGE);
    return cmd ? 0 : 1;
  }
  if (cmd === "serve") return serveCommand(rest);
  if (cmd === "nodes") return nodesCommand(rest);
  if (cmd === "compare") return compareMain(rest);
  if (cmd === "run") {
    let parsed;
    try {
      parsed = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          output: { type: "string", short: "o", default: "text" },
          seed: { type: "string" },
          until: { type: "string" },
          speed: { type: "string", default: "0" },
          logs: { type: "boolean", default: false },
          "quiet-pods": { type: "boolean", default: false },
          "all-namespaces": { type: "boolean", short: "A", default: false },
          nodes: { type: "boolean", default: false },
          help: { type: "boolean", short: "h", default: false },
        },
      });
    } catch (e) {
      process.stderr.write(`error: ${(e as Error).message}\n${USAGE}`);
      return 2;
    }
    if (parsed.values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (parsed.positionals.length !== 1) {
      process.stderr.write(`error: run takes exactly one scenario file\n${USAGE}`);
      return 2;
    }
    return runCommand(parsed.positionals[0]!, {
      output: parsed.values.output as string,
      seed: parsed.values.seed,
      until: parsed.values.until,
      speed: parsed.values.speed as string,
      logs: parsed.values.logs as boolean,
      quietPods: parsed.values["quiet-pods"] as boolean,
      allNamespaces: parsed.values["all-namespaces"] as boolean,
      nodes: parsed.values.nodes as boolean,
    });
  }
  process.stderr.write(`error: unknown command "${cmd}"\n${USAGE}`);
  return 2;
}
