/**
 * Controller logs. Each simulated component (kube-scheduler, kubelet, HPA controller, Karpenter, …)
 * writes its decision log here, at virtual time, in the words upstream prints; the CLI streams them
 * and the API server serves them as the component pod's logs.
 */
import type { Clock } from "../core/clock.js";

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface LogRecord {
  /** Virtual ms. */
  t: number;
  component: string;
  level: LogLevel;
  message: string;
  fields?: Record<string, unknown>;
}

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
}

export type LogListener = (r: LogRecord) => void;

export class LogSink {
  private listeners = new Set<LogListener>();
  /** Bounded per-component history for `kubectl logs`. */
  private history = new Map<string, LogRecord[]>();

  constructor(
    private readonly clock: Clock,
    private readonly historyLimit = 5000,
  ) {}

  logger(component: string): Logger {
    const write = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) =>
      this.write({ t: this.clock.now(), component, level, message, fields });
    return { info: write("info"), warn: write("warn"), error: write("error"), debug: write("debug") };
  }

  write(r: LogRecord): void {
    let h = this.history.get(r.component);
    if (!h) this.history.set(r.component, (h = []));
    h.push(r);
    if (h.length > this.historyLimit) h.splice(0, h.length - this.historyLimit);
    for (const l of this.listeners) l(r);
  }

  on(listener: LogListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  records(component: string): readonly LogRecord[] {
    return this.history.get(component) ?? [];
  }

  components(): string[] {
    return [...this.history.keys()];
  }
}
