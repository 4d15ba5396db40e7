/**
 * Drive the real `kubectl` (1.32 on PATH) against `scalelab serve` started in this process on a
 * random port. Every kubectl call is asynchronous (the server runs on this event loop), with a fresh
 * --cache-dir and kubeconfig per server.
 */
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServe, type ServeOptions, type StartedServe } from "../../src/cli/serve.js";

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class Kubectl {
  readonly dir: string;
  serve!: StartedServe;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), "scalelab-e2e-"));
  }

  async start(opts: Partial<ServeOptions> = {}): Promise<this> {
    this.serve = await startServe({
      files: [],
      speed: 20,
      port: 0,
      address: "127.0.0.1",
      kubeconfig: join(this.dir, "kubeconfig.yaml"),
      ...opts,
    });
    return this;
  }

  async stop(): Promise<void> {
    await this.serve?.server.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private args(args: string[]): string[] {
    return ["--kubeconfig", this.serve.kubeconfigPath, "--cache-dir", join(this.dir, "cache"), ...args];
  }

  run(...args: string[]): Promise<KubectlResult> {
    return new Promise((resolve) => {
      execFile("kubectl", this.args(args), { env: { ...process.env, HOME: this.dir, KUBECONFIG: "" }, timeout: 30_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as any).code === "number" ? (err as any).code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Run kubectl and collect stdout lines until `until(lines)` holds or `timeoutMs` passes; then kill it. */
  stream(args: string[], until: (lines: string[]) => boolean, timeoutMs = 15_000): Promise<string[]> {
    return new Promise((resolve) => {
      const p = spawn("kubectl", this.args(args), { env: { ...process.env, HOME: this.dir, KUBECONFIG: "" } });
      const lines: string[] = [];
      let buf = "";
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(t);
        p.kill();
        resolve(lines);
      };
      const t = setTimeout(finish, timeoutMs);
      p.stdout.on("data", (d: Buffer) => {
        buf += d.toString();
        let i;
        while ((i = buf.indexOf("\n")) >= 0) {
          lines.push(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
        if (until(lines)) finish();
      });
      p.on("exit", () => {
        if (buf) lines.push(buf);
        finish();
      });
    });
  }

  /** Poll `kubectl args` until its stdout satisfies `pred` (virtual time runs meanwhile). */
  async waitFor(args: string[], pred: (out: string) => boolean, timeoutMs = 20_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < end) {
      const r = await this.run(...args);
      last = r.stdout + r.stderr;
      if (pred(r.stdout)) return r.stdout;
      await new Promise((res) => setTimeout(res, 200));
    }
    throw new Error(`timed out waiting on kubectl ${args.join(" ")}; last output:\n${last}`);
  }
}

export const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;

/** Split a kubectl table into rows of whitespace-separated cells. */
export function rows(out: string): string[][] {
  return out
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => l.trim().split(/\s+/));
}

/** Poll `f` (every 250 ms) until it returns a value, or fail after `ms` wall milliseconds. */
export async function until<T>(f: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 250));
  }
}
