/**
 * `npm run bench:broker`: our broker, Debian's Mosquitto and Aedes, one after another with the same
 * raw-socket load generator, each broker pinned to CPU 0 and the generator to CPU 1 (when `taskset`
 * and two cores exist). Measures QoS 0 and QoS 1 fan-in (4 publishers → 1 wildcard subscriber, 64 B),
 * end-to-end latency at a fixed rate, CONNECT/CONNACK per second with authentication on, and RSS per
 * idle connection; writes the table with ratios into BENCHMARKS.md. Every loop is bounded by count
 * and time. `ARRA_BENCH_QUICK=1` runs tiny sizes (a smoke test of the harness, not a measurement).
 *
 * @module scripts/bench/broker
 */
import { cpus, platform, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { connectRate } from './connect-rate.js';
import { idleMemory } from './idle-memory.js';
import { latency } from './latency.js';
import { renderSection, writeSection, type Metric } from './report.js';
import { fanIn } from './throughput.js';
import { canPin, pinSelf, startTarget, type TargetName } from './targets.js';

const quick = process.env.ARRA_BENCH_QUICK === '1';
const SIZES = quick
  ? { qos0: 2_000, qos1: 1_000, rate: 1000, latencyMs: 1500, connectMs: 1000, connectMax: 300, idle: 100 }
  : { qos0: 150_000, qos1: 25_000, rate: 5000, latencyMs: 5000, connectMs: 4000, connectMax: 15_000, idle: 2000 };
const TARGETS: TargetName[] = ['ours', 'mosquitto', 'aedes'];

interface TargetResult {
  qos0: number;
  qos1: number;
  qos0Loss: number;
  p50: number;
  p99: number;
  connects: number;
  connectFailures: number;
  idleBytes: number;
}

async function measure(name: TargetName): Promise<TargetResult> {
  const target = await startTarget(name);
  try {
    const q0 = await fanIn(target.port, { qos: 0, perPublisher: SIZES.qos0, timeLimitMs: 15_000 });
    console.error(`${name} qos0`, q0);
    const q1 = await fanIn(target.port, { qos: 1, perPublisher: SIZES.qos1, window: 100, timeLimitMs: 15_000 });
    console.error(`${name} qos1`, q1);
    const lat = await latency(target.port, { rate: SIZES.rate, durationMs: SIZES.latencyMs });
    console.error(`${name} latency`, lat);
    const conn = await connectRate(target.port, { concurrency: 32, durationMs: SIZES.connectMs, maxTotal: SIZES.connectMax });
    console.error(`${name} connect`, conn);
    const idle = await idleMemory(target.port, target.pid, { count: SIZES.idle });
    console.error(`${name} idle`, idle);
    return {
      qos0: q0.msgsPerSec,
      qos0Loss: q0.sent ? 1 - q0.received / q0.sent : 0,
      qos1: q1.msgsPerSec,
      p50: lat.p50Ms,
      p99: lat.p99Ms,
      connects: conn.perSec,
      connectFailures: conn.failures,
      idleBytes: idle.bytesPerConnection,
    };
  } finally {
    await target.stop();
  }
}

function metricsOf(results: Partial<Record<TargetName, TargetResult>>): Metric[] {
  const pick = (f: (r: TargetResult) => number) =>
    Object.fromEntries(Object.entries(results).map(([k, r]) => [k, f(r)])) as Partial<Record<TargetName, number>>;
  return [
    { label: 'QoS 0 fan-in', unit: 'msg/s', better: 'higher', goal: '3x Mosquitto', values: pick((r) => r.qos0) },
    { label: 'QoS 0 messages lost', unit: '%', better: 'lower', values: pick((r) => r.qos0Loss * 100) },
    { label: 'QoS 1 fan-in', unit: 'msg/s', better: 'higher', goal: '>= Mosquitto', values: pick((r) => r.qos1) },
    { label: `latency p50 at ${SIZES.rate} msg/s`, unit: 'ms', better: 'lower', values: pick((r) => r.p50) },
    { label: `latency p99 at ${SIZES.rate} msg/s`, unit: 'ms', better: 'lower', goal: "<= Mosquitto's", values: pick((r) => r.p99) },
    { label: 'CONNECT/CONNACK with auth', unit: 'conn/s', better: 'higher', values: pick((r) => r.connects) },
    { label: 'memory per idle connection', unit: 'bytes RSS', better: 'lower', goal: '< 3 KB', values: pick((r) => r.idleBytes) },
  ];
}

async function main(): Promise<void> {
  pinSelf();
  const results: Partial<Record<TargetName, TargetResult>> = {};
  const only = process.env.ARRA_BENCH_TARGETS?.split(',') as TargetName[] | undefined;
  for (const name of only ?? TARGETS) {
    try {
      results[name] = await measure(name);
    } catch (err) {
      console.error(`${name} failed:`, err);
    }
  }
  const failures = Object.entries(results).filter(([, r]) => r.connectFailures > 0).map(([k, r]) => `${k}: ${r.connectFailures}`);
  const notes = [
    `Run ${new Date().toISOString()} on ${platform()} ${release()}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; ` +
      (canPin ? 'broker pinned to CPU 0, load generator to CPU 1 (taskset).' : 'not pinned (no taskset or one core).'),
    'Load generator: raw TCP sockets with TCP_NODELAY, pre-generated mqtt-packet frames; MQTT 3.1.1; every client authenticates with username/password ' +
      '(ours: in-process authorizer with a constant-time password check; Mosquitto: password_file; Aedes: authenticate hook).',
    `Fan-in: 4 publishers → 1 subscriber on \`bench/#\`, 64 B payload, ${SIZES.qos0.toLocaleString('en-US')} (QoS 0) / ${SIZES.qos1.toLocaleString('en-US')} (QoS 1, window 100) messages per publisher; rate = deliveries / (last delivery − first send).`,
    `Latency: QoS 0, ${SIZES.rate} msg/s for ${SIZES.latencyMs / 1000} s, first 0.5 s discarded. Connect: 32 concurrent connect→CONNACK→DISCONNECT loops for ${SIZES.connectMs / 1000} s.` +
      (failures.length ? ` Refused or failed connects: ${failures.join(', ')}.` : ''),
    `Idle memory: RSS delta of the broker process for ${SIZES.idle} connected idle clients (keepalive 600 s).`,
    'The machine is shared with other work: treat single runs as indicative and compare ratios rather than absolute figures.',
    ...(quick ? ['ARRA_BENCH_QUICK=1: tiny sizes, a harness smoke test, not a measurement.'] : []),
  ];
  const section = renderSection(metricsOf(results), notes);
  const path = process.env.ARRA_BENCH_OUT ?? fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));
  writeSection(path, section);
  console.log(section);
}

await main();
