/**
 * `npm run bench:verifier`: the verifier's HTTP decision rate against a do-nothing Fastify route
 * served by the same process with the same setup (`verifier-server.ts`, pinned to CPU 0 when
 * `taskset` exists; this generator takes CPU 1). Every case uses the same undici keep-alive pool at a
 * fixed concurrency, bounded by a request count and by time. Writes the `bench:verifier` section of
 * `BENCHMARKS.md`; other sections are left alone.
 *
 * Steps: start the server process → warm up and measure each case → render and write the section.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { createInterface } from 'node:readline';
import { Pool } from 'undici';
import { postgresUnavailable, scratchDatabase, stopTestCluster } from '../../verifier/store/postgres/test/cluster.js';
import { compiledServer } from './build.js';
import { sectionMarkers, writeSection } from './report.js';
import { DEVICE, FIRST_TOKENS, PASSWORD, PASSWORD_DEVICES, SECRET, passwordDevice } from './verifier-fixture.js';

/** The verifier's default signing algorithm (`ARRA_JWT_ALG`), which the bench server keeps. */
const ALG_NOTE = 'EdDSA (Ed25519), the default signing algorithm';

const CONCURRENCY = PASSWORD_DEVICES;
/** `ARRA_BENCH_DURATION_MS` shortens every case, to prove the benchmark runs (figures then mean little). */
const DURATION_MS = Number(process.env.ARRA_BENCH_DURATION_MS ?? 5000);
const WARMUP_MS = Math.min(1000, DURATION_MS);
const MAX_REQUESTS = 1_000_000;
/** Interleaved rounds of the do-nothing route and cached authorize; the median of each is reported. */
const ROUNDS = 5;
const SECTION = 'verifier';
const { start: START, end: END } = sectionMarkers(SECTION);

interface Call {
  path: string;
  body: string;
  contentType?: string;
  /** The status a correct answer has: anything else counts as an error. */
  status: number;
}

interface Case {
  name: string;
  /** The next iteration of worker `w`: its calls run in sequence (go-auth asks superuser, then acl). */
  calls: (w: number) => Call[];
  /** Iterations the case still has inputs for (default: no limit but `MAX_REQUESTS`). */
  remaining?: () => number;
  target: 'verifier' | 'noop';
}

interface Result {
  name: string;
  rate: number;
  /** Server CPU time (user + system) per iteration, µs: steadier than req/s on a shared machine. */
  cpuUs: number;
  p50: number;
  p99: number;
  errors: number;
  iterations: number;
  /** The do-nothing route measured in the same server process: what the ratios compare with. */
  noop?: Result;
}

/**
 * The same verifier on other stores and without the decision cache (so each decision reads the registry:
 * on PostgreSQL, the replica's mirror). A server process each, with its own do-nothing route.
 */
interface Variant {
  store: 'SQLite' | 'PostgreSQL';
  env: Record<string, string>;
  cases: string[];
  /** With `ARRA_CACHE_SIZE=0` the cached case is the uncached one. */
  uncached?: boolean;
}

const VARIANTS: Variant[] = [
  { store: 'SQLite', env: { ARRA_CACHE_SIZE: '0' }, cases: ['authorize (cached)'], uncached: true },
  { store: 'PostgreSQL', env: {}, cases: ['authorize (cached)', 'authenticate (JWT, reconnect)', 'authenticate (password, reconnect)'] },
  { store: 'PostgreSQL', env: { ARRA_CACHE_SIZE: '0' }, cases: ['authorize (cached)'], uncached: true },
];
const KEK = 'bench-key-encryption-secret-0123';

const json = (path: string, body: object, status: number): Call => ({ path, body: JSON.stringify(body), contentType: 'application/json', status });
const form = (path: string, body: Record<string, string>, status: number): Call => ({
  path,
  body: new URLSearchParams(body).toString(),
  contentType: 'application/x-www-form-urlencoded',
  status,
});

function cases(token: string, firstTokens: string[]): Case[] {
  const topic = `bench/${DEVICE}/temp`;
  const authorize = json('/v1/authorize', { deviceId: DEVICE, clientId: DEVICE, action: 'publish', topic }, 200);
  const noop = [json('/noop', { deviceId: DEVICE, clientId: DEVICE, action: 'publish', topic }, 200)];
  const jwt = [json('/v1/authenticate', { clientId: DEVICE, username: DEVICE, password: token }, 200)];
  // Each iteration (warm-up included) presents a token no one presented before: checked in full.
  let nextFirst = 0;
  const firstJwt = () => [json('/v1/authenticate', { clientId: DEVICE, username: DEVICE, password: firstTokens[nextFirst++]! }, 200)];
  const password = (w: number) => [json('/v1/authenticate', { clientId: passwordDevice(w), username: passwordDevice(w), password: PASSWORD }, 200)];
  const goAuth = [json('/go-auth/superuser', { username: DEVICE }, 403), json('/go-auth/acl', { username: DEVICE, clientid: DEVICE, topic, acc: 2 }, 200)];
  const nanomq = [form('/nanomq/acl', { clientid: DEVICE, username: DEVICE, access: '2', topic }, 200)];
  return [
    { name: 'do-nothing route', target: 'noop', calls: () => noop },
    { name: 'authorize (cached)', target: 'verifier', calls: () => [authorize] },
    { name: 'authenticate (JWT, reconnect)', target: 'verifier', calls: () => jwt },
    { name: 'authenticate (JWT, first verification)', target: 'verifier', calls: firstJwt, remaining: () => firstTokens.length - nextFirst },
    { name: 'authenticate (password, reconnect)', target: 'verifier', calls: password },
    { name: 'go-auth superuser + acl pair', target: 'verifier', calls: () => goAuth },
    { name: 'NanoMQ acl', target: 'verifier', calls: () => nanomq },
  ];
}

/** The CONNECT of the bench device through each route whose acl questions are measured. */
function logins(token: string): Call[] {
  return [
    json('/v1/authenticate', { clientId: DEVICE, username: DEVICE, password: token }, 200),
    json('/go-auth/user', { clientid: DEVICE, username: DEVICE, password: token }, 200),
    form('/nanomq/auth', { clientid: DEVICE, username: DEVICE, password: token }, 200),
  ];
}

async function measure(c: Case): Promise<Result> {
  const cpuBefore = serverCpuMs();
  const result = await run(pools[c.target], c, DURATION_MS);
  result.cpuUs = ((serverCpuMs() - cpuBefore) * 1000) / result.iterations;
  process.stderr.write(
    `${c.name}: ${Math.round(result.rate)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, ${result.cpuUs.toFixed(1)} us CPU, errors ${result.errors}\n`,
  );
  return result;
}

/** The server process's CPU time so far (ms), from /proc (clock ticks of 10 ms); NaN off Linux. */
function serverCpuMs(): number {
  try {
    const fields = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

function median(results: Result[]): Result {
  return [...results].sort((a, b) => a.rate - b.rate)[Math.floor(results.length / 2)]!;
}

async function run(pool: Pool, c: Case, durationMs: number): Promise<Result> {
  const latencies: number[] = [];
  let errors = 0;
  let issued = 0;
  const deadline = performance.now() + durationMs;
  const started = performance.now();
  const limit = Math.min(MAX_REQUESTS, c.remaining?.() ?? MAX_REQUESTS);
  async function worker(_: unknown, w: number): Promise<void> {
    while (performance.now() < deadline && issued < limit) {
      issued++;
      const calls = c.calls(w);
      const t0 = performance.now();
      for (const call of calls) {
        const headers: Record<string, string> = { 'x-arra-secret': SECRET };
        if (call.contentType) headers['content-type'] = call.contentType;
        const res = await pool.request({ method: 'POST', path: call.path, headers, body: call.body });
        await res.body.dump();
        if (res.statusCode !== call.status) errors++;
      }
      latencies.push(performance.now() - t0);
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pick = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { name: c.name, rate: latencies.length / elapsed, cpuUs: NaN, p50: pick(0.5), p99: pick(0.99), errors, iterations: latencies.length };
}

interface Server {
  urls: { verifier: string; noop: string };
  token: string;
  firstTokens: string[];
  pid: number;
  stop(): void;
}

async function startServer(env: Record<string, string> = {}): Promise<Server> {
  const pin = hasTaskset();
  if (pin) spawnSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });
  const command = [process.execPath, compiledServer('verifier-server')];
  const child = spawn(pin ? 'taskset' : command[0]!, pin ? ['-c', '0', ...command] : command.slice(1), {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  const ready = JSON.parse(first) as { verifierUrl: string; noopUrl: string; token: string; firstTokens: string[] };
  // taskset execs node in place, so the child's pid is the server's either way.
  return { urls: { verifier: ready.verifierUrl, noop: ready.noopUrl }, token: ready.token, firstTokens: ready.firstTokens, pid: child.pid!, stop: () => child.stdin!.end() };
}

function hasTaskset(): boolean {
  return platform() === 'linux' && cpus().length >= 2 && spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
}

function render(results: Result[], pinned: boolean, variantsNote: string): string {
  const noop = results.find((r) => r.name === 'do-nothing route')!;
  const rows = results.map((r) => {
    const base = r.noop ?? noop;
    return `| ${r.name} | ${Math.round(r.rate).toLocaleString('en-US')} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${(r.rate / base.rate).toFixed(2)}x | ${r.cpuUs.toFixed(1)} | ${(base.cpuUs / r.cpuUs).toFixed(2)}x | ${r.errors} |`;
  });
  const authorize = results.find((r) => r.name === 'authorize (cached)')!;
  const jwt = results.find((r) => r.name === 'authenticate (JWT, reconnect)')!;
  const firstJwt = results.find((r) => r.name === 'authenticate (JWT, first verification)')!;
  return [
    START,
    '## Verifier HTTP decisions vs a do-nothing Fastify route (`npm run bench:verifier`)',
    '',
    '| case | req/s (higher is better) | p50 ms | p99 ms | req/s ratio to do-nothing | server CPU µs per iteration (lower is better) | CPU ratio (do-nothing / case) | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `- Goal: cached authorize >= 0.80x the do-nothing route's rate; measured ${(authorize.rate / noop.rate).toFixed(2)}x by req/s and ${(noop.cpuUs / authorize.cpuUs).toFixed(2)}x by server CPU per request (the CPU figure does not depend on what else the machine runs).`,
    `- Goal: JWT authenticate (a token verified before) >= 0.50x the do-nothing route's rate; measured ${(jwt.rate / noop.rate).toFixed(2)}x by req/s and ${(noop.cpuUs / jwt.cpuUs).toFixed(2)}x by server CPU.`,
    `- JWT tokens: a token seen for the first time costs its signature check (jose, ${ALG_NOTE}): ${firstJwt.cpuUs.toFixed(1)} µs of server CPU per request against ${jwt.cpuUs.toFixed(1)} µs for one verified before, which is recognised by an HMAC of the token under a process key (\`verifier/core/credentials/verified-secrets.ts\`) while the key ring and exp are judged every time and the token record and the device come from the decider's record cache, dropped by the registry's change events. The first-verification row presents ${FIRST_TOKENS.toLocaleString('en-US')} freshly issued tokens, each once (warm-up included).`,
    `- Run ${new Date().toISOString()} on ${platform()} ${release()}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; ${pinned ? 'server pinned to CPU 0, load generator to CPU 1 (taskset)' : 'no CPU pinning'}.`,
    `- Both routes are served by one process with the same Fastify and pino setup (info level, lines serialised then dropped); the verifier uses a real SQLite registry in a temp dir.`,
    `- Load: undici Pool, ${CONCURRENCY} keep-alive connections, ${CONCURRENCY} requests in flight, ${WARMUP_MS / 1000} s warm-up then ${DURATION_MS / 1000} s (or ${MAX_REQUESTS.toLocaleString('en-US')} iterations) per case; a pair counts as one iteration and its latency is both calls.`,
    `- The do-nothing route and cached authorize run ${ROUNDS} interleaved rounds each; the table shows each one's median round.`,
    '- Password authentication: the first success of a secret against a stored hash costs one scrypt (N=16384, ~29 ms of a core: 27 req/s when every attempt paid it); a reconnect with the same secret is recognised by an HMAC under a process key (`verifier/core/credentials/verified-secrets.ts`), which is what this row measures after the warm-up. Wrong passwords always pay the full scrypt.',
    variantsNote,
    '- The machine is shared with other work: compare ratios rather than absolute figures.',
    END,
  ].join('\n');
}

/** Logs the bench device in through each route, so its acl questions are decided for it. */
async function logIn(token: string): Promise<void> {
  for (const call of logins(token)) {
    const headers = { 'x-arra-secret': SECRET, 'content-type': call.contentType! };
    const res = await pools.verifier.request({ method: 'POST', path: call.path, headers, body: call.body });
    await res.body.dump();
    if (res.statusCode !== call.status) throw new Error(`bench login ${call.path} answered ${res.statusCode}`);
  }
}

function connect(to: Server): { verifier: Pool; noop: Pool } {
  return {
    verifier: new Pool(to.urls.verifier, { connections: CONCURRENCY, pipelining: 1 }),
    noop: new Pool(to.urls.noop, { connections: CONCURRENCY, pipelining: 1 }),
  };
}

/** One variant's server: its own do-nothing route, then its cases, named for the store. */
async function measureVariant(variant: Variant, databaseUrl: string | undefined): Promise<Result[]> {
  const env = { ...variant.env, ARRA_BENCH_FIRST_TOKENS: '0', ...(databaseUrl ? { ARRA_DATABASE_URL: databaseUrl, ARRA_KEY_ENCRYPTION_KEY: KEK } : {}) };
  server = await startServer(env);
  pools = connect(server);
  try {
    await logIn(server.token);
    const all = cases(server.token, []);
    const chosen = all.filter((c) => c.name === 'do-nothing route' || variant.cases.includes(c.name));
    for (const c of chosen) await run(pools[c.target], c, WARMUP_MS);
    const measured: Result[] = [];
    for (const c of chosen) measured.push(await measure(c));
    const [noop, ...rest] = measured;
    const name = (r: Result) => (variant.uncached ? r.name.replace('(cached)', '(uncached: every decision reads the registry)') : r.name);
    return rest.map((r) => ({ ...r, name: `${name(r)} [${variant.store}${variant.uncached ? ', ARRA_CACHE_SIZE=0' : ''}]`, noop }));
  } finally {
    await Promise.all([pools.verifier.close(), pools.noop.close()]);
    server.stop();
  }
}

/** Each variant on its own fresh database; PostgreSQL ones skipped (and said so) without a server. */
async function measureVariants(): Promise<{ results: Result[]; note: string }> {
  const results: Result[] = [];
  const pgMissing = postgresUnavailable();
  for (const variant of VARIANTS) {
    if (variant.store === 'PostgreSQL' && pgMissing) continue;
    const scratch = variant.store === 'PostgreSQL' ? await scratchDatabase() : undefined;
    try {
      results.push(...(await measureVariant(variant, scratch?.url)));
    } finally {
      await scratch?.drop();
    }
  }
  await stopTestCluster();
  const note = pgMissing
    ? `- PostgreSQL rows skipped: ${pgMissing}.`
    : '- Rows marked [PostgreSQL]: the verifier on `ARRA_DATABASE_URL` (a server on this machine, not pinned), decisions read from its mirror; [ARRA_CACHE_SIZE=0]: no decision or rules cache, so each decision reads the registry (SQLite file, or the mirror). Each variant runs in a server process of its own, and its ratios are to the do-nothing route measured in that process.';
  return { results, note };
}

let server = await startServer();
let pools = connect(server);
const results: Result[] = [];
try {
  const all = cases(server.token, server.firstTokens);
  await logIn(server.token);
  for (const c of all) await run(pools[c.target], c, WARMUP_MS);
  // The headline ratio compares two cases on a shared machine: interleave them and keep each one's
  // median round, so a burst of someone else's load does not land on one side only.
  const [noop, authorize, ...rest] = all;
  const rounds: Result[][] = [[], []];
  for (let round = 0; round < ROUNDS; round++) {
    rounds[0]!.push(await measure(noop!));
    rounds[1]!.push(await measure(authorize!));
  }
  results.push(...rounds.map(median));
  for (const c of rest) results.push(await measure(c));
} finally {
  await Promise.all([pools.verifier.close(), pools.noop.close()]);
  server.stop();
}
const variants = await measureVariants();
const section = render([...results, ...variants.results], hasTaskset(), variants.note);
writeSection('BENCHMARKS.md', SECTION, section);
process.stdout.write(`${section}\n`);
