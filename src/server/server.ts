/**
 * `scalelab serve`: the HTTP(S) listener in front of the API handlers, and the pacing loop that runs
 * the simulation at `speed` × wall-clock time. Wall-clock time is allowed here (and in src/cli) only:
 * it sets how far virtual time may advance; the simulation itself never reads it.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Simulation } from "../sim/simulation.js";
import { checkBearer } from "./auth.js";
import { ApiHandlers } from "./handlers.js";
import { KARPENTER_METRICS_SERVICE, type KarpenterMetrics } from "../autoscaling/karpenter/metrics.js";
import { exposition } from "../report/prometheus.js";
import { defaultParts, type ServerParts } from "./parts.js";
import { MAX_BODY_BYTES, sendStatus, tooLarge, unauthorized } from "./status.js";

export interface ApiServerOptions {
  /** Virtual ms per wall ms (1 = real time). 0 = virtual time only advances on writes. */
  speed?: number;
  /** Bearer token required on every request when set. */
  token?: string;
  tls?: { cert: string | Buffer; key: string | Buffer };
  parts?: ServerParts;
  maxBodyBytes?: number;
  /** Pacing tick (wall ms). */
  tickMs?: number;
  /** Called with errors thrown by the simulation during a tick (default: stderr). */
  onSimError?: (e: unknown) => void;
  /** The clients' clock, Unix ms (default Date.now); served timestamps are shifted into its frame. */
  wallNowMs?: () => number;
}

export class ApiServer {
  readonly handlers: ApiHandlers;
  private server?: Server;
  private timer?: NodeJS.Timeout;
  private readonly speed: number;
  private wallBase = 0;
  private virtualBase = 0;
  private address = "127.0.0.1:0";
  private running = false;

  constructor(
    readonly sim: Simulation,
    private readonly opts: ApiServerOptions = {},
  ) {
    this.speed = opts.speed ?? 1;
    sim.start();
    this.handlers = new ApiHandlers(sim, opts.parts ?? defaultParts(), {
      serverAddress: () => this.address,
      settle: () => this.settle(),
      wallNowMs: opts.wallNowMs,
    });
  }

  /** The virtual time the wall clock says it is now. */
  targetVirtualTime(): number {
    return this.virtualBase + Math.floor((Date.now() - this.wallBase) * this.speed);
  }

  /** Run the simulation up to now (wall-paced), at least the work due at the current virtual instant. */
  settle(): void {
    if (this.running) return; // re-entrant call from a watch handler during a tick
    this.running = true;
    try {
      const target = this.speed > 0 ? Math.max(this.sim.clock.now(), this.targetVirtualTime()) : this.sim.clock.now();
      this.sim.runUntil(target);
    } catch (e) {
      (this.opts.onSimError ?? ((err) => process.stderr.write(`scalelab serve: simulation error: ${(err as Error)?.stack ?? err}\n`)))(e);
    } finally {
      this.running = false;
    }
  }

  async listen(port = 0, host = "127.0.0.1"): Promise<{ port: number; url: string }> {
    const handler = (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res);
    this.server = this.opts.tls ? createHttpsServer({ cert: this.opts.tls.cert, key: this.opts.tls.key }, handler) : createHttpServer(handler);
    this.server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(port, host, () => resolve());
    });
    const a = this.server.address() as AddressInfo;
    const h = a.family === "IPv6" ? `[${a.address}]` : a.address;
    this.address = `${h}:${a.port}`;
    this.wallBase = Date.now();
    this.virtualBase = this.sim.clock.now();
    this.timer = setInterval(() => this.settle(), this.opts.tickMs ?? 20);
    const scheme = this.opts.tls ? "https" : "http";
    const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : h;
    return { port: a.port, url: `${scheme}://${shownHost}:${a.port}` };
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.handlers.close();
    const s = this.server;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections?.();
    });
  }

  /**
   * GET /metrics: the Prometheus text exposition (format 0.0.4) of the Karpenter controller's
   * karpenter_* metrics when Karpenter runs in the simulation (empty otherwise).
   */
  private serveMetrics(res: ServerResponse, head: boolean): void {
    const m = this.sim.services.get(KARPENTER_METRICS_SERVICE) as KarpenterMetrics | undefined;
    const body = m ? exposition(m.all()) : "";
    res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Content-Length": Buffer.byteLength(body) });
    res.end(head ? undefined : body);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (this.opts.token !== undefined && !checkBearer(req.headers.authorization, this.opts.token)) {
      req.resume();
      sendStatus(res, unauthorized());
      return;
    }
    const limit = this.opts.maxBodyBytes ?? MAX_BODY_BYTES;
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > limit) {
      sendStatus(res, tooLarge(limit));
      req.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    req.on("data", (c: Buffer) => {
      if (aborted) return;
      size += c.length;
      if (size > limit) {
        aborted = true;
        sendStatus(res, tooLarge(limit));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      if (aborted) return;
      let url: URL;
      try {
        url = new URL(req.url ?? "/", "http://localhost");
      } catch {
        res.writeHead(400).end();
        return;
      }
      // Catch up with the wall clock before answering, so reads see "now".
      this.settle();
      if (url.pathname === "/metrics" && (req.method === "GET" || req.method === "HEAD")) return this.serveMetrics(res, req.method === "HEAD");
      void this.handlers.handle({ method: req.method ?? "GET", url, headers: req.headers, body: Buffer.concat(chunks) }, res);
    });
    req.on("error", () => {
      aborted = true;
    });
  }
}
