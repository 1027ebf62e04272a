/** The `bench:scale` section of BENCHMARKS.md: one column per store. */
import { sectionMarkers } from './report.js';
import type { DecisionFigures, DecisionPlan } from './scale-decisions.js';
import { MORE_DEVICES } from './scale-fleet.js';

export interface StoreFigures {
  store: 'SQLite' | 'PostgreSQL';
  /** What was loaded how, and how long it took, s. */
  load: Array<{ what: string; seconds: number }>;
  loadPeakMb?: number;
  sizeMb?: number;
  assembleSeconds: number;
  readySeconds: number;
  rssStartMb: number;
  rssAfterMb: number;
  peakMb: number;
  decisions: DecisionFigures;
  /** `MORE_DEVICES` imported through the replica after its decisions, s. */
  importMoreSeconds: number;
}

export interface ScaleContext {
  devices: number;
  shape: string;
  plan: Omit<DecisionPlan, 'sample'> & { sample: number };
  pgSkipped: string | undefined;
  totalSeconds: number;
  machine: string;
}

const n = (v: number | undefined, digits = 1) => (v === undefined || Number.isNaN(v) ? 'n/a' : v.toFixed(digits));
const count = (v: number) => Math.round(v).toLocaleString('en-US');

type Row = [metric: string, value: (s: StoreFigures) => string, goal?: string];

function rows(): Row[] {
  const d = (s: StoreFigures) => s.decisions;
  return [
    ['registry loaded (see below), s', (s) => s.load.map((l) => n(l.seconds)).join(' + ')],
    ['SQLite file with its WAL, MB', (s) => n(s.sizeMb, 0)],
    ['copy script peak RSS, MB', (s) => n(s.loadPeakMb, 0)],
    ['replica start: store opened (PostgreSQL: migrations checked, mirror loaded) and verifier assembled, s', (s) => n(s.assembleSeconds)],
    ['replica start: spawn to listening, s', (s) => n(s.readySeconds)],
    ['replica RSS after start, MB', (s) => n(s.rssStartMb, 0)],
    ['replica RSS after the decisions, MB (peak, the import of more devices included)', (s) => `${n(s.rssAfterMb, 0)} (${n(s.peakMb, 0)})`],
    ['devices in the uncached sample (CONNECTs answered within the phase)', (s) => count(d(s).admitted)],
    ['uncached CONNECT (certificate; credential, device, rules read), p50 / p99 ms', (s) => `${n(d(s).connect.p50, 3)} / ${n(d(s).connect.p99, 3)}`],
    ['uncached authorize (first question of an admitted client), p50 / p99 ms', (s) => `${n(d(s).authorize.p50, 3)} / ${n(d(s).authorize.p99, 3)}`, '≤ 1 ms p50 on PostgreSQL'],
    ['cached authorize, req/s (p50 / p99 ms)', (s) => `${count(d(s).cached.rate)} (${n(d(s).cached.p50, 2)} / ${n(d(s).cached.p99, 2)})`],
    ['do-nothing route, req/s (p50 / p99 ms)', (s) => `${count(d(s).noop.rate)} (${n(d(s).noop.p50, 2)} / ${n(d(s).noop.p99, 2)})`],
    ['cached authorize / do-nothing, by req/s', (s) => `${(d(s).cached.rate / d(s).noop.rate).toFixed(2)}x`, '≥ 0.80x'],
    ['cached authorize / do-nothing, by server CPU per request', (s) => `${(d(s).noop.cpuUs / d(s).cached.cpuUs).toFixed(2)}x`, '≥ 0.80x'],
    ['server CPU per request: uncached CONNECT / uncached authorize / cached / do-nothing, µs', (s) => [d(s).connect, d(s).authorize, d(s).cached, d(s).noop].map((t) => n(t.cpuUs, 0)).join(' / ')],
    [`import of ${count(MORE_DEVICES)} more devices through the replica, after the decisions (PostgreSQL: answered once its mirror shows them), s`, (s) => n(s.importMoreSeconds)],
    ['answers other than 200 (uncached CONNECT, uncached authorize, cached)', (s) => `${d(s).connect.errors}, ${d(s).authorize.errors}, ${d(s).cached.errors}`],
  ];
}

export function renderScale(results: StoreFigures[], ctx: ScaleContext): string {
  const { start, end } = sectionMarkers('scale');
  const stores = results.map((r) => r.store);
  const loads = results.flatMap((r) => r.load.map((l) => `- ${r.store} load: ${l.what}: ${n(l.seconds)} s.`));
  return [
    start,
    '## A large registry in each store (`npm run bench:scale`)',
    '',
    `Registry: ${ctx.devices.toLocaleString('en-US')} devices, ${ctx.shape}. The run took ${n(ctx.totalSeconds / 60)} min.`,
    '',
    `| metric | ${stores.join(' | ')} | goal |`,
    `|---|${stores.map(() => '---:|').join('')}---|`,
    ...rows().map(([metric, value, goal]) => `| ${metric} | ${results.map(value).join(' | ')} | ${goal ?? ''} |`),
    '',
    ...loads,
    `- Uncached: up to ${count(ctx.plan.sample)} devices spread over the registry (a shuffled stride), none decided before, one request at a time (at most ${ctx.plan.uncachedMs / 1000} s per phase): each one's first CONNECT (\`/v1/authenticate\` with its certificate fingerprint, which admits the client), then each one's first \`/v1/authorize\` (a publish its fleet rule allows): the decision cache misses, the device is read from the store and its rules come from the rules cache the CONNECT filled.`,
    `- Cached: the same admitted clients asked again, ${ctx.plan.concurrency} keep-alive connections and requests in flight, ${ctx.plan.rounds} rounds of ${ctx.plan.cachedMs / 1000} s interleaved with the do-nothing route (same process, same Fastify and pino setup); each one's median round.`,
    '- RSS: /proc VmRSS of the replica process (a SQLite file\'s pages, and a PostgreSQL replica\'s mirror file, sit in the kernel\'s page cache, not in it); peak is VmHWM.',
    ctx.pgSkipped ? `- PostgreSQL skipped: ${ctx.pgSkipped}.` : '- PostgreSQL: a server on this machine over loopback (`ARRA_TEST_DATABASE_URL`, else a throwaway cluster with fsync off), not pinned; the replica answers decisions from its mirror.',
    `- Run ${new Date().toISOString()} on ${ctx.machine}. \`ARRA_BENCH_SCALE_DEVICES\` sets the registry size, \`ARRA_BENCH_DURATION_MS\` the cached rounds' length.`,
    end,
  ].join('\n');
}
