/**
 * `npm run bench:broker`: our broker, Debian's Mosquitto and Aedes, one after another with the same
 * raw-socket load generator, each broker pinned to CPU 0 and the generator to CPU 1 (when `taskset`
 * and two cores exist). Measures QoS 0 and QoS 1 fan-in (4 publishers → 1 wildcard subscriber, 64 B),
 * end-to-end latency at a fixed rate, CONNECT/CONNACK per second with authentication on, and RSS per
 * idle connection; writes the table with ratios into BENCHMARKS.md. Every loop is bounded by count
 * and time. `ARRA_BENCH_QUICK=1` runs tiny sizes (a smoke test of the harness, not a measurement);
 * `ARRA_BENCH_TARGETS`, `ARRA_BENCH_SCENARIOS` (names, comma-separated), `ARRA_BENCH_ROUNDS` and
 * `ARRA_BENCH_OUT` narrow a run while tuning.
 *
 * @module scripts/bench/broker
 */
import { cpus, platform, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { connectRate } from './connect-rate.js';
import { missedGoals, noSlopeNotes, nodeDefaultsNote, warmupNote, type GoalInputs } from './goals.js';
import { idleMemory } from './idle-memory.js';
import { latency } from './latency.js';
import { retainedSubscribe } from './retained-subscribe.js';
import { renderSection, writeSection, type Metric } from './report.js';
import { fanIn } from './throughput.js';
import { canPin, pinSelf, shippedNodeFlags, startTarget, type Target, type TargetName } from './targets.js';

const quick = process.env.ARRA_BENCH_QUICK === '1';
const SIZES = quick
  ? { qos0: 2_000, qos1: 1_000, rate: 1000, latencyWarmupMs: 1000, latencyMs: 1500, connectMs: 1000, connectMax: 300, idle: 100, retained: 2_000, subscribes: 50 }
  : { qos0: 150_000, qos1: 25_000, rate: 5000, latencyWarmupMs: 3000, latencyMs: 5000, connectMs: 4000, connectMax: 15_000, idle: 8000, retained: 100_000, subscribes: 300 };
const TARGETS: TargetName[] = ['ours', 'mosquitto', 'aedes'];
/** Whole passes over every scenario and broker; the table shows each cell's median. */
const ROUNDS = quick ? 1 : Number(process.env.ARRA_BENCH_ROUNDS ?? 3);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

type Scenario = 'qos0' | 'qos0Loss' | 'qos1' | 'p50' | 'p99' | 'p99Warmup' | 'connects' | 'idleBytes' | 'idleAverage' | 'subscribeRetainedMs' | 'subscribeRetainedRatio';
type Results = Partial<Record<Scenario, Partial<Record<TargetName, number>>>>;

/**
 * One measurement on a freshly started broker, so no scenario sees another's backlog, and a broker
 * that crashes under one load (Aedes does under QoS 0 fan-in) still gets measured on the others.
 */
type Run = (target: Target) => Promise<Partial<Record<Scenario, number>>>;

async function onFreshTarget(name: TargetName, run: Run) {
  const target = await startTarget(name);
  try {
    return await run(target);
  } finally {
    await target.stop();
  }
}

/**
 * `extra`: targets measured beside the brokers for that scenario only: the bare `net` server (the
 * floor of a Node process, not a broker) and our broker under Node's default flags (what the
 * shipped flags buy).
 * `repeat`: runs per round, for a figure the shared machine's stalls move most (the p99 latency).
 */
const SCENARIOS: Array<{ name: string; run: Run; extra?: TargetName[]; repeat?: number }> = [
  {
    name: 'qos0 fan-in',
    run: async ({ port }) => {
      const r = await fanIn(port, { qos: 0, perPublisher: SIZES.qos0, timeLimitMs: 15_000 });
      return { qos0: r.msgsPerSec, qos0Loss: r.sent ? (1 - r.received / r.sent) * 100 : 0 };
    },
  },
  {
    name: 'qos1 fan-in',
    run: async ({ port }) => ({ qos1: (await fanIn(port, { qos: 1, perPublisher: SIZES.qos1, window: 100, timeLimitMs: 15_000 })).msgsPerSec }),
  },
  {
    name: 'latency',
    extra: ['net'],
    repeat: quick ? 1 : 3,
    run: async ({ port }) => {
      const r = await latency(port, { rate: SIZES.rate, warmupMs: SIZES.latencyWarmupMs, durationMs: SIZES.latencyMs });
      return { p50: r.p50Ms, p99: r.p99Ms, p99Warmup: r.warmupP99Ms };
    },
  },
  {
    name: 'connect rate',
    run: async ({ port }) => ({ connects: (await connectRate(port, { concurrency: 32, durationMs: SIZES.connectMs, maxTotal: SIZES.connectMax })).perSec }),
  },
  {
    name: 'retained subscribe',
    run: async ({ port }) => {
      const r = await retainedSubscribe(port, { retained: SIZES.retained, subscribes: SIZES.subscribes });
      return { subscribeRetainedMs: r.fullMs, subscribeRetainedRatio: r.ratio };
    },
  },
  {
    name: 'idle memory',
    extra: ['net', 'ours-node-defaults'],
    run: async ({ port, pid, collectGarbage }) => {
      const r = await idleMemory(port, pid, { count: SIZES.idle, collectGarbage });
      return { ...(r.bytesPerConnection !== null ? { idleBytes: r.bytesPerConnection } : {}), idleAverage: r.averageBytesPerConnection };
    },
  },
];

/** What each Node broker adds to the bare Node `net` server measured the same way. */
function aboveFloor(values: Partial<Record<TargetName, number>>): Partial<Record<TargetName, number>> {
  const floor = values.net;
  if (floor === undefined) return {};
  return {
    ...(values.ours !== undefined ? { ours: values.ours - floor } : {}),
    ...(values.aedes !== undefined ? { aedes: values.aedes - floor } : {}),
  };
}

function metricsOf(results: Results): Metric[] {
  const v = (s: Scenario) => results[s] ?? {};
  return [
    { label: 'QoS 0 fan-in', unit: 'msg/s', better: 'higher', goal: '3x Mosquitto', values: v('qos0') },
    { label: 'QoS 0 messages lost', unit: '%', better: 'lower', values: v('qos0Loss') },
    { label: 'QoS 1 fan-in', unit: 'msg/s', better: 'higher', goal: '>= Mosquitto', values: v('qos1') },
    { label: `latency p50 at ${SIZES.rate} msg/s, steady state`, unit: 'ms', better: 'lower', values: v('p50') },
    { label: `latency p99 at ${SIZES.rate} msg/s, steady state`, unit: 'ms', better: 'lower', goal: "<= Mosquitto's", values: v('p99') },
    { label: 'latency p99 above a bare Node relay, steady state', unit: 'ms', better: 'lower', values: aboveFloor(v('p99')) },
    { label: `latency p99 at ${SIZES.rate} msg/s, first ${SIZES.latencyWarmupMs / 1000} s after start`, unit: 'ms', better: 'lower', values: v('p99Warmup') },
    { label: 'CONNECT/CONNACK with auth', unit: 'conn/s', better: 'higher', values: v('connects') },
    { label: `SUBSCRIBE→SUBACK beside ${SIZES.retained.toLocaleString('en-US')} retained messages it does not match, median`, unit: 'ms', better: 'lower', values: v('subscribeRetainedMs') },
    {
      label: `SUBSCRIBE→SUBACK with ${SIZES.retained.toLocaleString('en-US')} retained messages over with none`,
      unit: 'ratio', better: 'lower', goal: 'about 1 (cost grows with what it matches)', values: v('subscribeRetainedRatio'),
    },
    { label: `memory per idle connection, added from ${SIZES.idle / 2} to ${SIZES.idle}`, unit: 'bytes RSS', better: 'lower', goal: '< 3 KB', values: v('idleBytes') },
    { label: 'idle memory above a bare Node `net` socket', unit: 'bytes RSS', better: 'lower', values: aboveFloor(v('idleBytes')) },
    { label: `memory per idle connection, averaged from 0 to ${SIZES.idle} (fixed costs included)`, unit: 'bytes RSS', better: 'lower', values: v('idleAverage') },
  ];
}

function fmtMs(value: number | undefined): string {
  return value === undefined ? 'n/a (not measured)' : `${value.toFixed(2)} ms`;
}

function fmtBytes(value: number | undefined): string {
  return value === undefined ? 'n/a (not measured)' : `${Math.round(value).toLocaleString('en-US')} bytes RSS`;
}

async function main(): Promise<void> {
  pinSelf();
  const failed: string[] = [];
  const targets = (process.env.ARRA_BENCH_TARGETS?.split(',') as TargetName[] | undefined) ?? TARGETS;
  // While tuning one thing, e.g. ARRA_BENCH_SCENARIOS=latency (the section then shows only that).
  const only = process.env.ARRA_BENCH_SCENARIOS?.split(',');
  const scenarios = only ? SCENARIOS.filter((s) => only.includes(s.name)) : SCENARIOS;
  // Scenario by scenario, the brokers one after another: load from the shared machine hits all alike.
  const samples: Partial<Record<Scenario, Partial<Record<TargetName, number[]>>>> = {};
  for (let round = 1; round <= ROUNDS; round++) {
    for (const scenario of scenarios) {
      for (let run = 0; run < (scenario.repeat ?? 1); run++) {
        for (const name of [...targets, ...(scenario.extra ?? [])]) {
          try {
            const measured = await onFreshTarget(name, scenario.run);
            console.error(`round ${round}`, name, scenario.name, measured);
            for (const [key, value] of Object.entries(measured)) ((samples[key as Scenario] ??= {})[name] ??= []).push(value);
          } catch (err) {
            failed.push(`${name} ${scenario.name} (round ${round}): ${(err as Error).message}`);
            console.error(name, scenario.name, 'failed:', err);
          }
        }
      }
    }
  }
  const results: Results = {};
  for (const [key, byTarget] of Object.entries(samples)) {
    for (const [name, values] of Object.entries(byTarget)) (results[key as Scenario] ??= {})[name as TargetName] = median(values);
  }
  const goalInputs: GoalInputs = {
    qos0: results.qos0 ?? {},
    qos1: results.qos1 ?? {},
    p99: results.p99 ?? {},
    idleBytes: results.idleBytes ?? {},
    idleAverage: results.idleAverage ?? {},
    p99Warmup: results.p99Warmup ?? {},
    p99Rounds: samples.p99 ?? {},
    idleRounds: samples.idleBytes ?? {},
    idleAverageRounds: samples.idleAverage ?? {},
  };
  const defaults = nodeDefaultsNote(goalInputs);
  const warmup = warmupNote(goalInputs, SIZES.latencyWarmupMs);
  const notes = [
    ...missedGoals(goalInputs),
    ...(warmup ? [warmup] : []),
    `Run ${new Date().toISOString()} on ${platform()} ${release()}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; ` +
      (canPin ? 'broker pinned to CPU 0, load generator to CPU 1 (taskset).' : 'not pinned (no taskset or one core).'),
    `Ours runs with the Node flags it ships with (\`npm start\`, the LXC unit): \`${shippedNodeFlags().join(' ')}\`.`,
    'Load generator: raw TCP sockets with TCP_NODELAY, pre-generated mqtt-packet frames; MQTT 3.1.1; every client authenticates with username/password ' +
      '(ours: in-process authorizer with a constant-time password check; Mosquitto: password_file; Aedes: authenticate hook).',
    `Fan-in: 4 publishers → 1 subscriber on \`bench/#\`, 64 B payload, ${SIZES.qos0.toLocaleString('en-US')} (QoS 0) / ${SIZES.qos1.toLocaleString('en-US')} (QoS 1, window 100) messages per publisher; rate = deliveries / (last delivery − first send).`,
    `Latency: QoS 0, ${SIZES.rate} msg/s from a freshly started broker; the first ${SIZES.latencyWarmupMs / 1000} s (less the first 0.5 s) are the "first seconds after start" row, ` +
      `the ${SIZES.latencyMs / 1000} s after them the steady state; ${quick ? 1 : 3} runs per round. ` +
      `Floor: the bare Node \`net\` server (\`server-net.ts\`: forwards every PUBLISH unparsed to every subscriber, one write per read; no routing, no authorization) ` +
      `measured the same way has p99 ${fmtMs(results.p99?.net)}; the "above" row is each Node broker minus that floor. Connect: 32 concurrent connect→CONNACK→DISCONNECT loops for ${SIZES.connectMs / 1000} s.`,
    `Retained subscribe: ${SIZES.subscribes} SUBSCRIBEs one after another (\`probe/<i>/#\` and \`+/<n>/none/#\`, matching nothing) on an empty broker, then again after another client retained ${SIZES.retained.toLocaleString('en-US')} messages of 16 B on \`fill/<n>/<i>\`; the ratio is the second median over the first.`,
    `Idle memory: RSS of the broker process with no clients, ${SIZES.idle / 2} and ${SIZES.idle} connected idle clients (keepalive 600 s), each reading after 6 s without traffic and two full GCs in the Node processes ` +
      '(V8 gives back the young generation it grew during a connect burst only after a quiet spell, if at all). Per connection is the slope over the second half, what one more ' +
      'connection costs; the average from zero also carries what the first burst grows once and keeps (chiefly V8\'s young generation). ' +
      `Floor: the bare Node \`net\` server (an idle socket there holds the socket and nothing else) measured the same way holds ${fmtBytes(results.idleBytes?.net)} per connection; ` +
      'the "above" row is each Node broker minus that floor (Mosquitto, in C, has no such floor).',
    ...(defaults ? [defaults] : []),
    ...noSlopeNotes(goalInputs, SIZES.idle),
    `Each scenario runs on a freshly started broker, the brokers in turn; ${ROUNDS} round(s) of everything, each cell is the median.`,
    ...(failed.length ? [`Failed (n/a in the table): ${failed.join('; ')}.`] : []),
    'The machine is shared with other work: treat single runs as indicative and compare ratios rather than absolute figures.',
    ...(quick ? ['ARRA_BENCH_QUICK=1: tiny sizes, a harness smoke test, not a measurement.'] : []),
  ];
  const section = renderSection(metricsOf(results), notes);
  const path = process.env.ARRA_BENCH_OUT ?? fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));
  writeSection(path, 'broker', section);
  console.log(section);
}

await main();
