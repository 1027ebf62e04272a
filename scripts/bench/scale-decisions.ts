/**
 * The decisions `bench:scale` times on a replica, all over HTTP on loopback with the webhook secret:
 * - first CONNECTs (`/v1/authenticate` with a certificate fingerprint) of devices spread over the
 *   registry that nothing decided before: credential, device and rules all read from the store;
 * - the first `/v1/authorize` of each of those admitted clients: a decision cache miss;
 * - the same questions again from the decision cache, against the do-nothing route, in rounds.
 * The uncached ones go one at a time, so their latency is a decision's and not a queue's.
 */
import { Pool } from 'undici';
import { WEBHOOK_SECRET, allowedTopic, deviceId, fingerprint } from './scale-fleet.js';
import { processCpuMs as cpuMs } from './connect-rate.js';

export interface Timing {
  p50: number;
  p99: number;
  count: number;
  errors: number;
  /** Completed requests per second. */
  rate: number;
  /** Server CPU per request, µs. */
  cpuUs: number;
}

interface Question {
  path: string;
  body: string;
}

const connectOf = (i: number): Question => ({ path: '/v1/authenticate', body: JSON.stringify({ clientId: deviceId(i), certFingerprint: fingerprint(i) }) });
const authorizeOf = (i: number): Question => ({
  path: '/v1/authorize',
  body: JSON.stringify({ clientId: deviceId(i), action: 'publish', topic: allowedTopic(i) }),
});

/** Asks `questions` in order, `inFlight` at a time, until done or `ms` ran out; every answer must be 200. */
async function ask(pool: Pool, inFlight: number, ms: number, pid: number, next: () => Question | undefined): Promise<Timing & { done: number[] }> {
  const latencies: number[] = [];
  const done: number[] = [];
  let errors = 0;
  const cpuBefore = cpuMs(pid);
  const started = performance.now();
  const deadline = started + ms;
  async function worker(): Promise<void> {
    for (let q = next(); q !== undefined && performance.now() < deadline; q = next()) {
      const t0 = performance.now();
      const res = await pool.request({ method: 'POST', path: q.path, headers: { 'x-arra-secret': WEBHOOK_SECRET, 'content-type': 'application/json' }, body: q.body });
      await res.body.dump();
      latencies.push(performance.now() - t0);
      if (res.statusCode === 200) done.push(latencies.length - 1);
      else errors++;
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - started) / 1000;
  const cpuUs = ((cpuMs(pid) - cpuBefore) * 1000) / latencies.length;
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), count: latencies.length, errors, rate: latencies.length / seconds, cpuUs, done };
}

/** `count` distinct device indexes spread over `devices` (a shuffled stride, so every part of the key range is hit). */
export function spreadSample(devices: number, count: number): number[] {
  const stride = devices / count;
  const sample = Array.from({ length: count }, (_, k) => Math.floor(k * stride + Math.random() * stride));
  for (let k = sample.length - 1; k > 0; k--) {
    const j = Math.floor(Math.random() * (k + 1));
    [sample[k], sample[j]] = [sample[j]!, sample[k]!];
  }
  return sample;
}

function cycle<T>(items: readonly T[], map: (item: T) => Question, rounds = Infinity): () => Question | undefined {
  let n = 0;
  return () => (n < items.length * rounds ? map(items[n++ % items.length]!) : undefined);
}

export interface DecisionFigures {
  connect: Timing;
  authorize: Timing;
  cached: Timing;
  noop: Timing;
  admitted: number;
}

export interface DecisionPlan {
  sample: number[];
  uncachedMs: number;
  cachedMs: number;
  rounds: number;
  concurrency: number;
}

/** Median round by rate. */
function median(rounds: Timing[]): Timing {
  return [...rounds].sort((a, b) => a.rate - b.rate)[Math.floor(rounds.length / 2)]!;
}

export async function measureDecisions(urls: { verifierUrl: string; noopUrl: string }, pid: number, plan: DecisionPlan): Promise<DecisionFigures> {
  const verifier = new Pool(urls.verifierUrl, { connections: plan.concurrency, pipelining: 1 });
  const noop = new Pool(urls.noopUrl, { connections: plan.concurrency, pipelining: 1 });
  try {
    const connect = await ask(verifier, 1, plan.uncachedMs, pid, cycle(plan.sample, connectOf, 1));
    const admitted = connect.done.map((k) => plan.sample[k]!).reverse();
    const authorize = await ask(verifier, 1, plan.uncachedMs, pid, cycle(admitted, authorizeOf, 1));
    const noopQuestion = { path: '/noop', body: authorizeOf(admitted[0] ?? 0).body };
    // Warm both routes' connections and compiled paths before the rounds.
    await ask(noop, plan.concurrency, 1000, pid, () => noopQuestion);
    await ask(verifier, plan.concurrency, 1000, pid, cycle(admitted, authorizeOf));
    const noopRounds: Timing[] = [];
    const cachedRounds: Timing[] = [];
    for (let r = 0; r < plan.rounds; r++) {
      noopRounds.push(await ask(noop, plan.concurrency, plan.cachedMs, pid, () => noopQuestion));
      cachedRounds.push(await ask(verifier, plan.concurrency, plan.cachedMs, pid, cycle(admitted, authorizeOf)));
    }
    return { connect, authorize, cached: median(cachedRounds), noop: median(noopRounds), admitted: admitted.length };
  } finally {
    await Promise.all([verifier.close(), noop.close()]);
  }
}
