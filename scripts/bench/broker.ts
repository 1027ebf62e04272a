/**
 * `npm run bench:broker`: our broker, Debian's Mosquitto and Aedes, one after another with the same
 * raw-socket load generator, each broker pinned to CPU 0 and the generator to CPU 1 (when `taskset`
 * and two cores exist). Measures QoS 0 and QoS 1 fan-in (4 publishers → 1 wildcard subscriber, 64 B),
 * end-to-end latency at a fixed rate, CONNECT/CONNACK per second and broker CPU per connection with
 * the real verifier behind ours (password reconnect, JWT reconnect, anonymous; from one address and
 * from many) against Mosquitto with its password file, and RSS per idle connection; writes the table with ratios into BENCHMARKS.md. Every loop is bounded by count
 * and time. `ARRA_BENCH_QUICK=1` runs tiny sizes (a smoke test of the harness, not a measurement);
 * `ARRA_BENCH_TARGETS`, `ARRA_BENCH_SCENARIOS` (names, comma-separated), `ARRA_BENCH_ROUNDS` and
 * `ARRA_BENCH_OUT` narrow a run while tuning.
 */
import { readFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_PASSWORD, BENCH_USER, benchDevice, type BenchCredentials } from './client.js';
import { connectRate, type ConnectCredentials } from './connect-rate.js';
import { missedGoals, noSlopeNotes, nodeDefaultsNote, warmupNote, type GoalInputs } from './goals.js';
import { idleMemory } from './idle-memory.js';
import { latency } from './latency.js';
import { retainedSubscribe } from './retained-subscribe.js';
import { slowSubscriber } from './slow-subscriber.js';
import { renderSection, writeSection, type Metric } from './report.js';
import { fanIn } from './throughput.js';
import { httpStorms, inProcessStorms, type StormPair } from './storm.js';
import { canPin, pinSelf, shippedNodeFlags, startTarget, type Target, type TargetName } from './targets.js';

const quick = process.env.ARRA_BENCH_QUICK === '1';
const SIZES = quick
  ? { qos0: 2_000, qos1: 1_000, rate: 1000, latencyWarmupMs: 1000, latencyMs: 1500, connectWarmupMs: 500, connectWarmupMax: 200, connectMs: 1000, connectMax: 300, idle: 100, retained: 2_000, subscribes: 50, stormDevices: 500, slowMs: 4000, goMs: 300, stopMs: 1500 }
  : { qos0: 150_000, qos1: 25_000, rate: 5000, latencyWarmupMs: 3000, latencyMs: 5000, connectWarmupMs: 4000, connectWarmupMax: 15_000, connectMs: 4000, connectMax: 60_000, idle: 8000, retained: 100_000, subscribes: 300, stormDevices: 10_000, slowMs: 20_000, goMs: 800, stopMs: 7000 };
const TARGETS: TargetName[] = ['ours', 'mosquitto', 'aedes'];
/** Whole passes over every scenario and broker; the table shows each cell's median. */
const ROUNDS = quick ? 1 : Number(process.env.ARRA_BENCH_ROUNDS ?? 3);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

type ConnectMode = 'anonymous' | 'password' | 'jwt';
type ConnectSource = 'one' | 'many';
type ConnectKey = `${'connect' | 'connectCpu' | 'connectP50' | 'connectWarmup' | 'connectWarmupCpu'}-${ConnectMode}-${ConnectSource}`;
type Scenario = 'qos0' | 'qos0Loss' | 'qos0Checked' | 'qos1' | 'qos1Persistent' | 'p50' | 'p99' | 'p99Warmup' | 'idleBytes' | 'idleAverage' | 'subscribeRetainedMs' | 'subscribeRetainedRatio' | ConnectKey | 'stormInProcess' | 'stormInProcessCpu' | 'stormInProcessCold' | 'stormInProcessColdCpu' | 'stormHttp' | 'stormHttpCpu' | 'stormHttpCold' | 'stormHttpColdCpu' | 'stormFailures' | 'slowSubscriberRatio';
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

const CONNECT_MODES: ConnectMode[] = ['anonymous', 'password', 'jwt'];
const CONNECT_SOURCES: ConnectSource[] = ['one', 'many'];
const CONNECT_LOOPS = 100;
const CONNECT_LABEL: Record<ConnectMode, string> = { anonymous: 'anonymous', password: 'password reconnect', jwt: 'JWT reconnect' };

/**
 * What loop `w` presents. Ours checks the real thing (device `benchDevice(w)` with its password or
 * its token; the client id is the device id, as the verifier requires by default). Mosquitto has no
 * JWT: its rows for password and JWT both use its password file, the comparison the goal names.
 */
function connectCredentials(mode: ConnectMode, target: Target): (w: number, n: number) => ConnectCredentials {
  if (mode === 'anonymous') return (w, n) => ({ clientId: `anon-${w}-${n}` });
  if (target.name === 'mosquitto') return (w) => ({ clientId: `bench-${w}`, username: BENCH_USER, password: BENCH_PASSWORD });
  if (mode === 'password') return (w) => ({ clientId: benchDevice(w), username: benchDevice(w), password: BENCH_PASSWORD });
  const { tokens } = JSON.parse(readFileSync(join(target.dataDir!, 'credentials.json'), 'utf8')) as BenchCredentials;
  return (w) => ({ clientId: benchDevice(w), username: benchDevice(w), password: tokens[w]! });
}

/** Connect rows run on ours with the real verifier behind it (`ours-verifier`) against Mosquitto. */
function connectScenario(mode: ConnectMode, source: ConnectSource): (typeof SCENARIOS)[number] {
  return {
    name: `connect ${mode} ${source}`,
    targets: ['ours', 'mosquitto'],
    // Anonymous needs no credential check, so the bare Node server measures the floor beside it.
    ...(mode === 'anonymous' ? { extra: ['net'] as TargetName[] } : {}),
    run: async (target) => {
      const r = await connectRate(target.port, {
        concurrency: CONNECT_LOOPS,
        durationMs: SIZES.connectMs,
        maxTotal: SIZES.connectMax,
        warmup: { durationMs: SIZES.connectWarmupMs, maxTotal: SIZES.connectWarmupMax },
        credentials: connectCredentials(mode, target),
        // 127.0.0.2 … 127.0.0.101: every loop its own address.
        ...(source === 'many' ? { sourceAddress: (w: number) => `127.0.0.${2 + w}` } : {}),
        pid: target.pid,
      });
      return {
        [`connect-${mode}-${source}`]: r.perSec,
        [`connectCpu-${mode}-${source}`]: r.cpuUsPerConnect,
        [`connectP50-${mode}-${source}`]: r.p50Ms,
        [`connectWarmup-${mode}-${source}`]: r.warmup!.perSec,
        [`connectWarmupCpu-${mode}-${source}`]: r.warmup!.cpuUsPerConnect,
      };
    },
  };
}

/** A storm pair as rows: `key` the goal (after a restart), `key`Cold each token's first verification. */
function stormScenario(name: string, key: 'stormInProcess' | 'stormHttp', storms: (devices: number) => Promise<StormPair>): (typeof SCENARIOS)[number] {
  return {
    name,
    targets: ['ours'],
    run: () => Promise.reject(new Error('standalone')),
    standalone: async () => {
      const { cold, restart } = await storms(SIZES.stormDevices);
      return {
        [key]: restart.seconds,
        [`${key}Cpu`]: restart.cpuUsPerDevice,
        [`${key}Cold`]: cold.seconds,
        [`${key}ColdCpu`]: cold.cpuUsPerDevice,
        stormFailures: cold.failures + restart.failures,
      };
    },
  };
}

/**
 * `extra`: targets measured beside the brokers for that scenario only: the bare `net` server (the
 * floor of a Node process, not a broker) and our broker under Node's default flags (what the
 * shipped flags buy).
 * `repeat`: runs per round, for a figure the shared machine's stalls move most (the p99 latency).
 * `targets`: only these of the brokers (connect rows: ours and Mosquitto). `standalone`: a scenario
 * that starts (and restarts) its own broker, measured once per round in place of `run`.
 */
const SCENARIOS: Array<{
  name: string;
  run: Run;
  extra?: TargetName[];
  repeat?: number;
  targets?: TargetName[];
  standalone?: () => Promise<Partial<Record<Scenario, number>>>;
}> = [
  {
    name: 'qos0 fan-in',
    run: async ({ port }) => {
      const r = await fanIn(port, { qos: 0, perPublisher: SIZES.qos0, timeLimitMs: 15_000 });
      return { qos0: r.msgsPerSec, qos0Loss: r.sent ? (1 - r.received / r.sent) * 100 : 0 };
    },
  },
  {
    // Issue 12: a subscription a deny rule overlaps has each delivery checked; this is its cost.
    name: 'qos0 fan-in checked',
    targets: ['ours'],
    run: async ({ port }) => ({ qos0Checked: (await fanIn(port, { qos: 0, perPublisher: SIZES.qos0, timeLimitMs: 15_000, prefix: 'checked' })).msgsPerSec }),
  },
  {
    name: 'qos1 fan-in',
    run: async ({ port }) => ({ qos1: (await fanIn(port, { qos: 1, perPublisher: SIZES.qos1, window: 100, timeLimitMs: 15_000 })).msgsPerSec }),
  },
  {
    // Issue 17: every message is on disk for the persistent session before its PUBACK (ours, the WAL
    // flushed after each group commit); Mosquitto with `persistence true` saves only every autosave_interval.
    name: 'qos1 fan-in persistent',
    targets: ['ours'],
    extra: ['mosquitto-persistent'],
    run: async ({ port }) => ({ qos1Persistent: (await fanIn(port, { qos: 1, perPublisher: SIZES.qos1, window: 100, timeLimitMs: 15_000, persistent: true })).msgsPerSec }),
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
  ...CONNECT_MODES.flatMap((mode) => CONNECT_SOURCES.map((source) => connectScenario(mode, source))),
  stormScenario('storm inprocess', 'stormInProcess', inProcessStorms),
  stormScenario('storm http', 'stormHttp', httpStorms),
  {
    name: 'retained subscribe',
    run: async ({ port }) => {
      const r = await retainedSubscribe(port, { retained: SIZES.retained, subscribes: SIZES.subscribes });
      return { subscribeRetainedMs: r.fullMs, subscribeRetainedRatio: r.ratio };
    },
  },
  {
    name: 'slow subscriber',
    run: async ({ port }) => ({ slowSubscriberRatio: (await slowSubscriber(port, { durationMs: SIZES.slowMs, goMs: SIZES.goMs, stopMs: SIZES.stopMs })).ratio }),
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

/** The persistent Mosquitto's figure in the Mosquitto column, where the table compares brokers. */
function mosquittoAs(values: Partial<Record<TargetName, number>>): Partial<Record<TargetName, number>> {
  const { 'mosquitto-persistent': persistent, ...rest } = values;
  return persistent === undefined ? rest : { ...rest, mosquitto: persistent };
}

/** Ours only: what checking each delivery costs, as the share of the unchecked rate it keeps. */
function checkedRatio(results: Results): Partial<Record<TargetName, number>> {
  const checked = results.qos0Checked?.ours;
  const plain = results.qos0?.ours;
  return checked === undefined || plain === undefined ? {} : { ours: checked / plain };
}

function metricsOf(results: Results): Metric[] {
  const v = (s: Scenario) => results[s] ?? {};
  const storm = SIZES.stormDevices.toLocaleString('en-US');
  return [
    { label: 'QoS 0 fan-in', unit: 'msg/s', better: 'higher', goal: '3x Mosquitto', values: v('qos0') },
    { label: 'QoS 0 messages lost', unit: '%', better: 'lower', values: v('qos0Loss') },
    { label: 'QoS 0 fan-in, a deny rule inside the subscribed filter (each delivery checked)', unit: 'msg/s', better: 'higher', values: v('qos0Checked') },
    { label: 'QoS 0 fan-in with each delivery checked over without', unit: 'ratio', better: 'higher', goal: 'about 1', values: checkedRatio(results) },
    { label: 'QoS 1 fan-in', unit: 'msg/s', better: 'higher', goal: '>= Mosquitto', values: v('qos1') },
    {
      label: 'QoS 1 fan-in into a persistent session (ours: each message on disk before PUBACK, the WAL flushed after each group commit; Mosquitto: persistence true, saved every 30 min)',
      unit: 'msg/s', better: 'higher', goal: '>= Mosquitto', values: mosquittoAs(v('qos1Persistent')),
    },
    { label: `latency p50 at ${SIZES.rate} msg/s, steady state`, unit: 'ms', better: 'lower', values: v('p50') },
    { label: `latency p99 at ${SIZES.rate} msg/s, steady state`, unit: 'ms', better: 'lower', goal: "<= Mosquitto's", values: v('p99') },
    { label: 'latency p99 above a bare Node relay, steady state', unit: 'ms', better: 'lower', values: aboveFloor(v('p99')) },
    { label: `latency p99 at ${SIZES.rate} msg/s, first ${SIZES.latencyWarmupMs / 1000} s after start`, unit: 'ms', better: 'lower', values: v('p99Warmup') },
    ...CONNECT_MODES.flatMap((mode) =>
      CONNECT_SOURCES.flatMap((source): Metric[] => {
        const from = source === 'one' ? 'from one address' : `from ${CONNECT_LOOPS} addresses`;
        const what = `${CONNECT_LABEL[mode]}, ${CONNECT_LOOPS} concurrent ${from}`;
        const warm = `first ${SIZES.connectWarmupMax.toLocaleString('en-US')} connects after start (the warm-up, not the goal)`;
        return [
          { label: `CONNECT/CONNACK, ${what}`, unit: 'conn/s', better: 'higher', goal: '>= Mosquitto', values: v(`connect-${mode}-${source}`) },
          { label: `broker CPU per connection, ${what}`, unit: 'µs', better: 'lower', goal: "<= 2x Mosquitto's", values: v(`connectCpu-${mode}-${source}`) },
          ...(mode === 'anonymous'
            ? [{ label: `broker CPU per connection above a bare Node \`net\` server, ${what}`, unit: 'µs', better: 'lower' as const, values: aboveFloor(v(`connectCpu-${mode}-${source}`)) }]
            : []),
          { label: `connect p50, ${what}`, unit: 'ms', better: 'lower', values: v(`connectP50-${mode}-${source}`) },
          { label: `CONNECT/CONNACK, ${warm}, ${what}`, unit: 'conn/s', better: 'higher', values: v(`connectWarmup-${mode}-${source}`) },
          { label: `broker CPU per connection, ${warm}, ${what}`, unit: 'µs', better: 'lower', values: v(`connectWarmupCpu-${mode}-${source}`) },
        ];
      }),
    ),
    { label: `reconnect storm: ${storm} JWT devices after a restart, in-process authorizer (every device connected before it)`, unit: 's', better: 'lower', goal: '<= 3 s', values: v('stormInProcess') },
    { label: 'server CPU per device, in-process storm after a restart', unit: 'µs', better: 'lower', values: v('stormInProcessCpu') },
    { label: `first connect of ${storm} JWT devices after provisioning, in-process authorizer (each token's first verification)`, unit: 's', better: 'lower', values: v('stormInProcessCold') },
    { label: 'server CPU per device, in-process first connects', unit: 'µs', better: 'lower', values: v('stormInProcessColdCpu') },
    { label: `reconnect storm: ${storm} JWT devices after a broker restart, HTTP authorizer (the verifier kept running)`, unit: 's', better: 'lower', goal: '<= 5 s', values: v('stormHttp') },
    { label: 'server CPU per device (broker + verifier), HTTP storm after a broker restart', unit: 'µs', better: 'lower', values: v('stormHttpCpu') },
    { label: `reconnect storm: ${storm} JWT devices, HTTP authorizer, broker and verifier both restarted (each token's first verification)`, unit: 's', better: 'lower', values: v('stormHttpCold') },
    { label: 'server CPU per device (broker + verifier), HTTP storm with both restarted', unit: 'µs', better: 'lower', values: v('stormHttpColdCpu') },
    { label: 'reconnect storm: devices not let in (median of all storm runs; 0 is right)', unit: 'devices', better: 'lower', values: v('stormFailures') },
    { label: `SUBSCRIBE→SUBACK beside ${SIZES.retained.toLocaleString('en-US')} retained messages it does not match, median`, unit: 'ms', better: 'lower', values: v('subscribeRetainedMs') },
    {
      label: `SUBSCRIBE→SUBACK with ${SIZES.retained.toLocaleString('en-US')} retained messages over with none`,
      unit: 'ratio', better: 'lower', goal: 'about 1 (cost grows with what it matches)', values: v('subscribeRetainedRatio'),
    },
    {
      label: 'QoS 1 publisher throughput with a stop-and-go subscriber present over without it',
      unit: 'ratio', better: 'higher', goal: '>= 0.90', values: v('slowSubscriberRatio'),
    },
    { label: `memory per idle connection, added from ${SIZES.idle / 2} to ${SIZES.idle}`, unit: 'bytes RSS', better: 'lower', goal: '< 3 KB', values: v('idleBytes') },
    { label: 'idle memory above a bare Node `net` socket', unit: 'bytes RSS', better: 'lower', values: aboveFloor(v('idleBytes')) },
    { label: `memory per idle connection, averaged from 0 to ${SIZES.idle} (fixed costs included)`, unit: 'bytes RSS', better: 'lower', values: v('idleAverage') },
  ];
}

function fmtMs(value: number | undefined): string {
  return value === undefined ? 'n/a (not measured)' : `${value.toFixed(2)} ms`;
}

function fmtRate(value: number | undefined): string {
  return value === undefined ? 'n/a (not measured)' : `${Math.round(value).toLocaleString('en-US')} conn/s`;
}

function fmtUs(value: number | undefined): string {
  return value === undefined ? 'n/a (not measured)' : `${Math.round(value)} µs`;
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
        const names = scenario.targets ? targets.filter((t) => scenario.targets!.includes(t)) : targets;
        for (const name of [...names, ...(scenario.extra ?? [])]) {
          try {
            // Connect rows measure ours with its real verifier; the table still calls it ours.
            const measured = scenario.standalone
              ? await scenario.standalone()
              : await onFreshTarget(name === 'ours' && scenario.name.startsWith('connect') ? 'ours-verifier' : name, scenario.run);
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
    'Load generator: raw TCP sockets with TCP_NODELAY, pre-generated mqtt-packet frames; MQTT 3.1.1. Fan-in, latency and memory: every client authenticates with username/password ' +
      '(ours: in-process authorizer with a constant-time password check, so these rows compare brokers; Mosquitto: password_file; Aedes: authenticate hook).',
    'QoS 0 fan-in with each delivery checked (ours only): the same fan-in on `checked/#`, which a subscribe deny rule (`checked/never`) overlaps, so the broker grants it ' +
      'and checks every delivery\'s topic against the ACL; the ratio row is that rate over the plain QoS 0 fan-in of the same rounds.',
    `Connect rows: ${CONNECT_LOOPS} concurrent connect→CONNACK→DISCONNECT loops for ${SIZES.connectMs / 1000} s (at most ${SIZES.connectMax.toLocaleString('en-US')} connects), all from 127.0.0.1 ("one address", a NAT or a load balancer) or each loop from its own 127.0.0.x ("${CONNECT_LOOPS} addresses"), ` +
      'after one successful connect per loop (not counted: a reconnect is measured) and a warm-up on the same fresh broker process: ' +
      `the loops run, uncounted, for the first ${SIZES.connectWarmupMax.toLocaleString('en-US')} connects (at most ${SIZES.connectWarmupMs / 1000} s), so the goal rows measure a steady state, as the latency rows do; ` +
      'the warm-up is reported in its own rows (a fresh Node process compiles its connect path meanwhile; the reconnect storms measure a restart). Ours is `npm start` as shipped (`server-ours-verifier.ts`): the real verifier in-process, SQLite registry, default lockout, info logging serialised then dropped, ' +
      'with only the connect rates raised; password = the device\'s own password (its scrypt paid in the warm-up), JWT = the device\'s own token, anonymous = no credentials (anonymous allowed). ' +
      'Mosquitto: `allow_anonymous true` and its password file (it has no JWT: its password and JWT rows both use the password file). Broker CPU per connection: user + system time of the broker process from /proc/<pid>/stat over the run (10 ms ticks), divided by the connections accepted. ' +
      `Floor: the bare Node \`net\` server (\`server-net.ts\`: CONNACK to the first bytes, close on DISCONNECT; no parsing, no session, no decision, no log) measured in the anonymous rounds: ` +
      `${fmtRate(results['connect-anonymous-one']?.net)} and ${fmtUs(results['connectCpu-anonymous-one']?.net)} of CPU per connection from one address, ` +
      `${fmtRate(results['connect-anonymous-many']?.net)} and ${fmtUs(results['connectCpu-anonymous-many']?.net)} from ${CONNECT_LOOPS} addresses.`,
    `Reconnect storm (\`storm.ts\`): ${SIZES.stormDevices.toLocaleString('en-US')} devices provisioned with a token each, then every device connects once, 400 sockets in flight from 127.0.0.1; seconds from the first CONNECT to the last CONNACK, ` +
      'and the CPU (user + system, /proc) of every server process over that time per device. In-process: `npm start` as in the connect rows. Every device first connects once after provisioning (the first-connect row: each token\'s signature checked for the first time); ' +
      'then the process is stopped (SIGTERM) and started again on the same data directory, and every device reconnects (the goal row: every cache cold, but the verifier takes over the tokens it verified, `remembered-tokens.json`, each still judged against key ring, exp, revocation and device). HTTP: as the LXC units run them, the broker (`server-ours-broker.ts`, 32 keep-alive connections; the HTTP authorizer as shipped, so CONNECTs that arrive while a batch is decided go together as the next `POST /v1/authenticate/batch`) and the verifier (Node\'s default flags, as its unit) are two processes, both pinned to CPU 0. ' +
      'A broker restart does not restart the verifier, and the devices of a reconnect storm were connected before: the goal row restarts the broker alone after every device connected once through an earlier broker, ' +
      'so the verifier recognises each token (key ring, exp, revocation and the device still judged). The row with both restarted is that first storm, each token\'s first verification: the cold start after a whole-host reboot.',
    'Why the earlier row (32 loops, password) said 1.00x while an independent run of `npm start` said 0.33x: that row measured the broker with a stand-in authenticator (a constant-time compare), so neither the verifier nor its lockout was in the path. ' +
      'With the real verifier the lockout counted attempts still in flight as failures (`failures + inFlight - slowAfter`): from one address the 6th concurrent correct login waited 250 ms, the 20th 5 s, and only 20 could be in flight; ' +
      'the rows above measure the real path, from one address and from many.',
    `Fan-in: 4 publishers → 1 subscriber on \`bench/#\`, 64 B payload, ${SIZES.qos0.toLocaleString('en-US')} (QoS 0) / ${SIZES.qos1.toLocaleString('en-US')} (QoS 1, window 100) messages per publisher; rate = deliveries / (last delivery − first send).`,
    `Ours keeps what it acknowledges (\`ARRA_BROKER_DURABILITY=${process.env.ARRA_BROKER_DURABILITY ?? 'fsync'}\`) in every row; clean sessions and QoS 0 never reach its store, so only the persistent-session row writes. ` +
      'That row: the same QoS 1 fan-in to a subscriber with Clean Session 0; ours stores each message before its PUBACK (one transaction per event-loop turn; with `fsync` the PUBACKs of a commit wait for an `fdatasync` of the WAL, which runs off the event loop while the next turns are committed), Mosquitto runs with `persistence true` and its default `autosave_interval` (1800 s), so a crash loses what it acknowledged since its last save.',
    `Latency: QoS 0, ${SIZES.rate} msg/s from a freshly started broker; the first ${SIZES.latencyWarmupMs / 1000} s (less the first 0.5 s) are the "first seconds after start" row, ` +
      `the ${SIZES.latencyMs / 1000} s after them the steady state; ${quick ? 1 : 3} runs per round. ` +
      `Floor: the bare Node \`net\` server (\`server-net.ts\`: forwards every PUBLISH unparsed to every subscriber, one write per read; no routing, no authorization) ` +
      `measured the same way has p99 ${fmtMs(results.p99?.net)}; the "above" row is each Node broker minus that floor.`,
    `Retained subscribe: ${SIZES.subscribes} SUBSCRIBEs one after another (\`probe/<i>/#\` and \`+/<n>/none/#\`, matching nothing) on an empty broker, then again after another client retained ${SIZES.retained.toLocaleString('en-US')} messages of 16 B on \`fill/<n>/<i>\`; the ratio is the second median over the first.`,
    `Slow subscriber: one QoS 1 publisher (window 100) to a subscriber that keeps up, ${SIZES.slowMs / 1000} s; then ${SIZES.slowMs / 1000} s more with a second subscriber on the same topic that reads for ${SIZES.goMs} ms and stops reading for ${SIZES.stopMs / 1000} s, in a loop; the ratio is the publisher's rate in the second period over the first.`,
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
