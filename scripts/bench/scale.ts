/**
 * `npm run bench:scale`: a registry of `ARRA_BENCH_SCALE_DEVICES` devices (default 1,000,000) with their
 * groups and rules (`scale-fleet.ts`) in each store, and a verifier replica on it: load time, start
 * time, RSS, and uncached and cached decision latency over HTTP with the do-nothing route's rate beside
 * the cached one (`scale-decisions.ts`). SQLite is loaded through the admin API (CSV imports, then the
 * rules); PostgreSQL gets that registry through `scripts/copy-registry-to-postgres.ts`, on
 * `ARRA_TEST_DATABASE_URL` or a throwaway cluster (`verifier/store/postgres/test/cluster.ts`), and is
 * skipped with the reason when neither exists. Writes the `bench:scale` section of BENCHMARKS.md.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, platform, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Pool } from 'undici';
import { DATABASE_FILE } from '../../verifier/store/index.js';
import { postgresUnavailable, scratchDatabase, stopTestCluster } from '../../verifier/store/postgres/test/cluster.js';
import { writeSection } from './report.js';
import { measureDecisions, spreadSample, type DecisionPlan } from './scale-decisions.js';
import { DEVICE_RULE_EVERY, FLEETS, IMPORT_BATCH, MORE_DEVICES, REGIONS, addRules, importDevices } from './scale-fleet.js';
import { canPin, memoryMb, startReplica } from './scale-replica.js';
import { renderScale, type StoreFigures } from './scale-report.js';

const DEVICES = deviceCount(process.env.ARRA_BENCH_SCALE_DEVICES);
const KEK = 'bench-scale-key-encryption-secret';
const PLAN: Omit<DecisionPlan, 'sample'> = {
  uncachedMs: 20_000,
  cachedMs: Number(process.env.ARRA_BENCH_DURATION_MS ?? 5000),
  rounds: 5,
  concurrency: 32,
};
const SAMPLE = Math.min(DEVICES, 10_000);
const log = (line: string) => process.stderr.write(`bench:scale: ${line}\n`);

function deviceCount(text: string | undefined): number {
  const devices = Number(text ?? 1_000_000);
  if (Number.isInteger(devices) && devices >= 1) return devices;
  process.stderr.write(`bench:scale: ARRA_BENCH_SCALE_DEVICES must be a whole number of devices, 1 or more, got "${text}"\n`);
  process.exit(2);
}

/** Both stores get the same new devices: PostgreSQL's copy is taken before SQLite's replica adds them. */
async function importMore(url: string): Promise<number> {
  const pool = new Pool(url, { connections: 1 });
  try {
    return await importDevices(pool, DEVICES, DEVICES + MORE_DEVICES, log);
  } finally {
    await pool.close();
  }
}

async function measureReplica(dataDir: string, env: Record<string, string>): Promise<Omit<StoreFigures, 'store' | 'load'>> {
  const replica = await startReplica(dataDir, env, canPin());
  try {
    log(`replica ready in ${replica.readySeconds.toFixed(1)} s; deciding`);
    const rssStartMb = memoryMb(replica.pid).rss;
    const decisions = await measureDecisions(replica, replica.pid, { ...PLAN, sample: spreadSample(DEVICES, SAMPLE) });
    const rssAfterMb = memoryMb(replica.pid).rss;
    const importMoreSeconds = await importMore(replica.verifierUrl);
    const { peak } = memoryMb(replica.pid);
    return { assembleSeconds: replica.assembleSeconds, readySeconds: replica.readySeconds, rssStartMb, rssAfterMb, peakMb: peak, decisions, importMoreSeconds };
  } finally {
    await replica.stop();
  }
}

const batches = (devices: number) => (devices <= IMPORT_BATCH ? 'one request' : `${Math.ceil(devices / IMPORT_BATCH)} requests`);

/** The registry loaded through a verifier of its own, as an operator would (imports, then rules). */
async function loadSqlite(dataDir: string): Promise<StoreFigures['load']> {
  const loader = await startReplica(dataDir, {}, false);
  const pool = new Pool(loader.verifierUrl, { connections: 4 });
  try {
    const imported = await importDevices(pool, 0, DEVICES, log);
    const rules = await addRules(pool, DEVICES);
    log(`${rules.count.toLocaleString('en-US')} rules in ${rules.seconds.toFixed(1)} s`);
    return [
      { what: `import of ${DEVICES.toLocaleString('en-US')} devices (\`POST /v1/admin/import\`, CSV, ${batches(DEVICES)})`, seconds: imported },
      { what: `${rules.count.toLocaleString('en-US')} rules (\`POST /v1/admin/rules\`, one each, 4 in flight)`, seconds: rules.seconds },
    ];
  } finally {
    await pool.close();
    await loader.stop();
  }
}

/** Runs the copy script as an operator would; seconds and its peak RSS, MB. */
async function copyToPostgres(sqliteDir: string, url: string): Promise<{ seconds: number; peakMb: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/copy-registry-to-postgres.ts'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ARRA_DATA_DIR: sqliteDir, ARRA_DATABASE_URL: url, ARRA_KEY_ENCRYPTION_KEY: KEK },
  });
  let peakMb = 0;
  const poll = setInterval(() => {
    const peak = memoryMb(child.pid!).peak;
    if (peak > peakMb) peakMb = peak;
  }, 100);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(poll);
  if (code !== 0) throw new Error(`copy-registry-to-postgres exited with ${code}`);
  return { seconds: (performance.now() - started) / 1000, peakMb };
}

async function vacuumAnalyze(url: string): Promise<number> {
  const started = performance.now();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('VACUUM ANALYZE');
  } finally {
    await client.end();
  }
  return (performance.now() - started) / 1000;
}

interface PostgresRegistry {
  url: string;
  load: StoreFigures['load'];
  loadPeakMb: number;
}

/** The SQLite registry copied into a fresh database and vacuumed; measured after the SQLite replica. */
async function loadPostgres(sqliteDir: string, url: string): Promise<PostgresRegistry> {
  log('copying the registry into PostgreSQL');
  const copy = await copyToPostgres(sqliteDir, url);
  const vacuumSeconds = await vacuumAnalyze(url);
  log(`copied in ${copy.seconds.toFixed(1)} s, vacuumed in ${vacuumSeconds.toFixed(1)} s`);
  const load = [
    { what: 'copy of that SQLite registry (`scripts/copy-registry-to-postgres.ts`, one transaction)', seconds: copy.seconds },
    { what: '`VACUUM ANALYZE`, as after any bulk load (else autovacuum does it while the replica is measured)', seconds: vacuumSeconds },
  ];
  return { url, load, loadPeakMb: copy.peakMb };
}

async function measurePostgres(registry: PostgresRegistry, dir: string): Promise<StoreFigures> {
  const replicaDir = join(dir, 'pg-replica');
  mkdirSync(replicaDir);
  const figures = await measureReplica(replicaDir, { ARRA_DATABASE_URL: registry.url, ARRA_KEY_ENCRYPTION_KEY: KEK });
  return { store: 'PostgreSQL', load: registry.load, loadPeakMb: registry.loadPeakMb, ...figures };
}

/** The SQLite column is kept, and the section says why the other is missing. */
function postgresFailed(err: unknown): undefined {
  skipped = `the PostgreSQL half failed: ${(err as Error).message}`;
  log(skipped);
  process.exitCode = 1;
  return undefined;
}

function fileMb(path: string): number {
  try {
    return statSync(path).size / 2 ** 20;
  } catch {
    return 0;
  }
}

const started = performance.now();
const dir = mkdtempSync(join(tmpdir(), 'arra-bench-scale-'));
const results: StoreFigures[] = [];
let skipped: string | undefined;
try {
  const sqliteDir = join(dir, 'sqlite');
  mkdirSync(sqliteDir);
  log(`loading ${DEVICES.toLocaleString('en-US')} devices into SQLite`);
  const load = await loadSqlite(sqliteDir);
  const db = join(sqliteDir, DATABASE_FILE);
  const sizeMb = fileMb(db) + fileMb(`${db}-wal`);
  skipped = postgresUnavailable();
  if (skipped) log(`PostgreSQL skipped: ${skipped}`);
  const scratch = skipped ? undefined : await scratchDatabase().catch(postgresFailed);
  try {
    const registry = scratch && (await loadPostgres(sqliteDir, scratch.url).catch(postgresFailed));
    results.push({ store: 'SQLite', load, sizeMb, ...(await measureReplica(sqliteDir, {})) });
    const figures = registry && (await measurePostgres(registry, dir).catch(postgresFailed));
    if (figures) results.push(figures);
  } finally {
    await scratch?.drop();
    await stopTestCluster();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const totalSeconds = (performance.now() - started) / 1000;
const section = renderScale(results, {
  devices: DEVICES,
  shape: `each with a certificate fingerprint and two groups (${FLEETS} fleets, ${REGIONS} regions); ${FLEETS * 2 + REGIONS} group rules with \`\${device}\` placeholders, 2 rules for everyone (one with \`\${clientid}\`), and a rule of its own for one device in ${DEVICE_RULE_EVERY}`,
  plan: { ...PLAN, sample: SAMPLE },
  pgSkipped: skipped,
  totalSeconds,
  machine: `${platform()} ${release()}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; ${canPin() ? 'replica pinned to CPU 0, load generator to CPU 1 (taskset)' : 'no CPU pinning'}`,
});
writeSection('BENCHMARKS.md', 'scale', section);
process.stdout.write(`${section}\n`);
