/**
 * Pure queueing models for request-serving pods (no I/O, no time).
 *
 * Each pod is a processor-sharing server: its CPU capacity C (cores; min(limit, node share)) is
 * shared by the requests in flight, and one request can use at most `maxCoresPerRequest` cores
 * (1 for single-threaded request handlers such as an Apache/mod_php worker). A request costs c
 * CPU-seconds.
 *
 * - Open loop (requests arrive at λ per second whatever the answers): M/M/1-PS, utilization
 *   ρ = λ·c / C, mean response c/C / (1 − ρ). With a per-request cap below C we use Seidmann's
 *   multi-server approximation: a delay of s − c/C (s = c / min(C, cap), the response time of a
 *   request alone) plus a PS queue of rate C. Saturated (ρ ≥ 1): the pod burns C, serves C/c
 *   requests per second and the rest time out.
 * - Closed loop (N clients that send, wait for the answer, think Z, repeat): exact mean-value
 *   analysis over the pods (stations visited with given probabilities) plus the think-time delay;
 *   Schweitzer's approximate MVA above `EXACT_MVA_MAX_CLIENTS` clients.
 *
 * Latency distribution: the deterministic service time s plus an exponentially distributed queueing
 * delay whose mean makes the mean response right (an approximation: exact for N = 1 where there is
 * no queueing, and close to M/M/1's exponential sojourn at high load). Percentiles follow from it.
 */

export const EXACT_MVA_MAX_CLIENTS = 20000;

/** Response-time distribution: deterministic `serviceS` + Exp(mean `waitS`). Seconds. */
export interface LatencyDist {
  serviceS: number;
  waitS: number;
}

export interface PodLoad {
  /** Requests per second reaching the pod. */
  arrivalRps: number;
  /** Requests per second served within the client timeout. */
  servedRps: number;
  /** Requests per second that fail (overload, timeout). */
  failedRps: number;
  /** CPU burnt by request work, cores. */
  usageCores: number;
  /** ρ = λ·c / C (may exceed 1 in an open loop). */
  utilization: number;
  /** Mean number of requests in flight. */
  inFlight: number;
  latency: LatencyDist;
}

/** Response time of one request alone on the pod (s). */
export function serviceTime(costCpuS: number, capacityCores: number, maxCoresPerRequest = 1): number {
  const speed = Math.min(capacityCores, maxCoresPerRequest);
  return speed > 0 ? costCpuS / speed : Infinity;
}

/** Open loop: one pod receiving `arrivalRps`. */
export function openLoopPod(
  arrivalRps: number,
  costCpuS: number,
  capacityCores: number,
  opts: { maxCoresPerRequest?: number; timeoutS?: number } = {},
): PodLoad {
  const cap = opts.maxCoresPerRequest ?? 1;
  const timeoutS = opts.timeoutS ?? 30;
  if (arrivalRps <= 0 || costCpuS <= 0) {
    const s = costCpuS > 0 ? serviceTime(costCpuS, capacityCores, cap) : 0;
    return { arrivalRps: Math.max(0, arrivalRps), servedRps: Math.max(0, arrivalRps), failedRps: 0, usageCores: 0, utilization: 0, inFlight: 0, latency: { serviceS: s, waitS: 0 } };
  }
  if (capacityCores <= 0) {
    return { arrivalRps, servedRps: 0, failedRps: arrivalRps, usageCores: 0, utilization: Infinity, inFlight: 0, latency: { serviceS: timeoutS, waitS: 0 } };
  }
  const rho = (arrivalRps * costCpuS) / capacityCores;
  const s = serviceTime(costCpuS, capacityCores, cap);
  if (rho >= 1) {
    // Saturated: the backlog grows until requests hit the client timeout.
    const served = capacityCores / costCpuS;
    return {
      arrivalRps,
      servedRps: served,
      failedRps: arrivalRps - served,
      usageCores: capacityCores,
      utilization: rho,
      inFlight: arrivalRps * timeoutS,
      latency: { serviceS: Math.max(s, timeoutS), waitS: 0 },
    };
  }
  const q = costCpuS / capacityCores; // queueing part of the demand
  const mean = s - q + q / (1 - rho);
  const latency: LatencyDist = { serviceS: s, waitS: mean - s };
  const fail = exceedProbability(latency, timeoutS);
  return {
    arrivalRps,
    servedRps: arrivalRps * (1 - fail),
    failedRps: arrivalRps * fail,
    usageCores: arrivalRps * costCpuS,
    utilization: rho,
    inFlight: arrivalRps * mean,
    latency,
  };
}

/** A group of identical pods for the closed-loop solver. */
export interface StationGroup {
  /** Number of pods in the group. */
  count: number;
  /** Probability that a request goes to one given pod of this group. */
  visit: number;
  capacityCores: number;
  /** CPU-seconds per request on this group's pods (default: the solver's `costCpuS`). */
  costCpuS?: number;
}

export interface ClosedLoopResult {
  /** System throughput X (requests/s). */
  throughputRps: number;
  /** Mean response time R (s), excluding think time: X = N / (R + Z). */
  responseS: number;
  /** Per pod of each group (same order as the input). */
  pods: PodLoad[];
  /** Response-time distribution over all requests. */
  latency: LatencyDist;
}

/**
 * Closed loop: `clients` users, think time `thinkS`, requests spread over the pods by `visit`
 * probabilities. Solves X = N / (R(X) + Z) by mean-value analysis.
 */
export function closedLoop(
  clients: number,
  thinkS: number,
  groups: readonly StationGroup[],
  costCpuS: number,
  opts: { maxCoresPerRequest?: number; timeoutS?: number } = {},
): ClosedLoopResult {
  const cap = opts.maxCoresPerRequest ?? 1;
  const timeoutS = opts.timeoutS ?? 30;
  const G = groups.length;
  const N = Math.max(0, Math.floor(clients));
  const cost = (g: StationGroup) => g.costCpuS ?? costCpuS;
  const live = groups.some((g) => g.count > 0 && g.visit > 0 && g.capacityCores > 0);
  if (N === 0 || G === 0 || !live || groups.every((g) => !(cost(g) > 0))) {
    const pods = groups.map((g) => openLoopPod(0, cost(g), g.capacityCores, opts));
    if (N > 0 && !live) {
      // No endpoint: every request fails at once (connection refused); clients loop on think time.
      const x = thinkS > 0 ? N / thinkS : 0;
      return { throughputRps: x, responseS: 0, pods, latency: { serviceS: 0, waitS: 0 } };
    }
    const x = N > 0 && thinkS > 0 ? N / thinkS : 0;
    return { throughputRps: x, responseS: 0, pods, latency: { serviceS: 0, waitS: 0 } };
  }
  // Per-visit demands: queueing D_g = c / C_g (PS at rate C), Seidmann delay d_g = s_g − c/C_g.
  const D = new Float64Array(G);
  const d = new Float64Array(G);
  const s = new Float64Array(G);
  let delay = 0; // Σ visit × delay over all pods
  for (let g = 0; g < G; g++) {
    const grp = groups[g]!;
    const C = grp.capacityCores > 0 ? grp.capacityCores : 1e-9;
    const c = cost(grp) > 0 ? cost(grp) : 0;
    s[g] = serviceTime(c, C, cap);
    D[g] = c / C;
    d[g] = s[g]! - D[g]!;
    delay += grp.count * grp.visit * d[g]!;
  }
  const Q = new Float64Array(G); // mean queue length at one pod of group g
  const T = new Float64Array(G); // per-visit queueing response at one pod of group g
  let X = 0;
  if (N <= EXACT_MVA_MAX_CLIENTS) {
    for (let n = 1; n <= N; n++) {
      let R = delay;
      for (let g = 0; g < G; g++) {
        T[g] = D[g]! * (1 + Q[g]!);
        R += groups[g]!.count * groups[g]!.visit * T[g]!;
      }
      X = n / (R + thinkS);
      for (let g = 0; g < G; g++) Q[g] = X * groups[g]!.visit * T[g]!;
    }
  } else {
    // Schweitzer: Q(N−1) ≈ Q(N)·(N−1)/N, iterated to a fixed point.
    const total = groups.reduce((a, g) => a + g.count, 0);
    for (let g = 0; g < G; g++) Q[g] = N / Math.max(1, total);
    for (let it = 0; it < 1000; it++) {
      let R = delay;
      for (let g = 0; g < G; g++) {
        T[g] = D[g]! * (1 + (Q[g]! * (N - 1)) / N);
        R += groups[g]!.count * groups[g]!.visit * T[g]!;
      }
      X = N / (R + thinkS);
      let change = 0;
      for (let g = 0; g < G; g++) {
        const q = X * groups[g]!.visit * T[g]!;
        change = Math.max(change, Math.abs(q - Q[g]!));
        Q[g] = q;
      }
      if (change < 1e-9 * N) break;
    }
  }
  let R = delay;
  let sMean = 0;
  for (let g = 0; g < G; g++) {
    const w = groups[g]!.count * groups[g]!.visit;
    R += w * T[g]!;
    sMean += w * s[g]!;
  }
  const pods: PodLoad[] = [];
  for (let g = 0; g < G; g++) {
    const grp = groups[g]!;
    const lambda = X * grp.visit;
    const resp = d[g]! + T[g]!;
    const latency: LatencyDist = { serviceS: s[g]!, waitS: Math.max(0, resp - s[g]!) };
    const fail = exceedProbability(latency, timeoutS);
    pods.push({
      arrivalRps: lambda,
      servedRps: lambda * (1 - fail),
      failedRps: lambda * fail,
      usageCores: lambda * Math.max(0, cost(grp)),
      utilization: lambda * D[g]!,
      inFlight: lambda * resp,
      latency,
    });
  }
  return { throughputRps: X, responseS: R, pods, latency: { serviceS: sMean, waitS: Math.max(0, R - sMean) } };
}

/** p-quantile (0 < p < 1) of a latency distribution, seconds. */
export function latencyPercentile(l: LatencyDist, p: number): number {
  if (l.waitS <= 0) return l.serviceS;
  return l.serviceS - l.waitS * Math.log(1 - p);
}

/** P(latency > x). */
export function exceedProbability(l: LatencyDist, x: number): number {
  if (x < l.serviceS) return 1;
  if (l.waitS <= 0) return 0;
  return Math.exp(-(x - l.serviceS) / l.waitS);
}

/** Mean of a latency distribution, seconds. */
export function latencyMean(l: LatencyDist): number {
  return l.serviceS + l.waitS;
}
