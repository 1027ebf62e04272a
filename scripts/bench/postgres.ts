/**
 * `npm run bench:postgres [-- --write]`: what the PostgreSQL pieces cost on this machine, with a registry
 * of `ARRA_BENCH_PG_DEVICES` devices (default 100,000; the scale run uses 1,000,000), each with
 * a password credential and a rule: the copy of a SQLite registry into PostgreSQL, the reads a decision
 * cache miss would make (device, its password credentials, its rules: three queries, or one), and
 * the change bus from COMMIT on one connection to delivery on another, and a replica's mirror (load time,
 * RSS, uncached decision reads) as a file and in memory. `ARRA_BENCH_DATABASE_URL` names
 * the server (else a throwaway cluster as in the tests). `--write` replaces the `bench:postgres`
 * section of BENCHMARKS.md; without it the section is printed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { migrate } from '../../verifier/store/migrations.js';
import { recordChanges, startChangeBus } from '../../verifier/store/postgres/change-bus.js';
import { copySqliteToPostgres } from '../../verifier/store/postgres/copy-from-sqlite.js';
import { KeyEncryptionKey } from '../../verifier/store/postgres/sealed-keys.js';
import { scratchDatabase, stopTestCluster } from '../../verifier/store/postgres/test/cluster.js';
import { sectionMarkers, writeSection } from './report.js';

const DEVICES = Number(process.env.ARRA_BENCH_PG_DEVICES ?? 100_000);
const LOOKUP_MS = 5000;
const CHANGES = 200;
const { start: START, end: END } = sectionMarkers('postgres');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

function sqliteRegistry(dir: string): string {
  const path = join(dir, 'registry.sqlite');
  const db = new Database(path);
  migrate(db);
  const device = db.prepare('INSERT INTO devices (id, created_at, updated_at, incarnation) VALUES (?, 1, 1, ?)');
  const credential = db.prepare("INSERT INTO credentials (id, device_id, kind, password_hash, created_at) VALUES (?, ?, 'password', 'scrypt$bench', 1)");
  const rule = db.prepare("INSERT INTO acl_rules (subject_kind, device_id, action, topic, permission, created_at) VALUES ('device', ?, 'publish', ?, 'allow', 1)");
  db.transaction(() => {
    for (let i = 0; i < DEVICES; i += 1) {
      device.run(`dev-${i}`, `inc-${i}`);
      credential.run(`cred-${i}`, `dev-${i}`);
      rule.run(`dev-${i}`, `devices/dev-${i}/#`);
    }
  })();
  db.close();
  return path;
}

const ONE_ROUND_TRIP = `SELECT row_to_json(d) AS device,
  (SELECT coalesce(json_agg(c), '[]') FROM credentials c WHERE c.device_id = d.id AND c.kind = 'password' AND c.revoked_at IS NULL) AS passwords,
  (SELECT coalesce(json_agg(r), '[]') FROM acl_rules r WHERE r.device_id = d.id) AS rules
FROM devices d WHERE d.id = $1`;

const missShapes: Record<'three' | 'one', (pool: pg.Pool, id: string) => Promise<unknown>> = {
  three: async (pool, id) => {
    await pool.query('SELECT * FROM devices WHERE id = $1', [id]);
    await pool.query("SELECT * FROM credentials WHERE device_id = $1 AND kind = 'password' AND revoked_at IS NULL", [id]);
    await pool.query('SELECT * FROM acl_rules WHERE device_id = $1', [id]);
  },
  one: (pool, id) => pool.query({ name: 'miss', text: ONE_ROUND_TRIP, values: [id] }),
};

/** Sequential misses of one shape for LOOKUP_MS: p50/p99 of one miss, ms. */
async function missReads(pool: pg.Pool, shape: keyof typeof missShapes): Promise<{ p50: number; p99: number; count: number }> {
  const times: number[] = [];
  const until = Date.now() + LOOKUP_MS;
  while (Date.now() < until) {
    const started = process.hrtime.bigint();
    await missShapes[shape](pool, `dev-${Math.floor(Math.random() * DEVICES)}`);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99), count: times.length };
}

/** COMMIT on one connection to delivery by the bus: p50/p99, ms. */
async function busLatency(url: string, pool: pg.Pool): Promise<{ p50: number; p99: number }> {
  const bus = await startChangeBus({ url });
  const times: number[] = [];
  try {
    for (let i = 0; i < CHANGES; i += 1) {
      const heard = new Promise<void>((resolve) => {
        const off = bus.onChange(() => {
          off();
          resolve();
        });
      });
      const client = await pool.connect();
      await client.query('BEGIN');
      await recordChanges(client, [{ kind: 'device', deviceId: `dev-${i}` }]);
      const started = process.hrtime.bigint();
      await client.query('COMMIT');
      client.release();
      await heard;
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  } finally {
    await bus.close();
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}

interface MirrorRun {
  loadSeconds: number;
  rssMb: number;
  p50: number;
  p99: number;
  reads: number;
}

/** A replica's mirror loaded in a child process (so its RSS is the mirror's): a file, or `:memory:`. */
function mirrorRun(url: string, path: string): MirrorRun {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'scripts/bench/mirror-child.ts', url, path, String(DEVICES)], {
    cwd: new URL('../../', import.meta.url).pathname,
    encoding: 'utf8',
  });
  return JSON.parse(out) as MirrorRun;
}

const dir = mkdtempSync(join(tmpdir(), 'arra-bench-pg-'));
const scratch = process.env.ARRA_BENCH_DATABASE_URL ? undefined : await scratchDatabase();
const url = process.env.ARRA_BENCH_DATABASE_URL ?? scratch!.url;
const pool = new pg.Pool({ connectionString: url, max: 4 });
try {
  const sqlite = sqliteRegistry(dir);
  const copyStarted = Date.now();
  await copySqliteToPostgres(sqlite, pool, KeyEncryptionKey.fromSecret('bench-key-encryption-secret'));
  const copySeconds = (Date.now() - copyStarted) / 1000;
  await pool.query('ANALYZE');
  const miss = await missReads(pool, 'three');
  const single = await missReads(pool, 'one');
  const bus = await busLatency(url, pool);
  const file = mirrorRun(url, join(dir, 'registry-mirror.sqlite'));
  const memory = mirrorRun(url, ':memory:');
  const section = [
    START,
    '## PostgreSQL pieces over loopback (`npm run bench:postgres`)',
    '',
    `Registry: ${DEVICES.toLocaleString('en-US')} devices, each with a password credential and a rule.`,
    '',
    '| metric | value | goal |',
    '|---|---:|---|',
    `| copy of the SQLite registry into PostgreSQL (one transaction) | ${copySeconds.toFixed(1)} s | |`,
    `| decision cache miss reads (device, password credentials, rules), p50 | ${miss.p50.toFixed(3)} ms | ≤ 1 ms (uncached decision p50) |`,
    `| decision cache miss reads, p99 | ${miss.p99.toFixed(3)} ms | |`,
    `| the same rows in one prepared query (one round trip), p50 | ${single.p50.toFixed(3)} ms | ≤ 1 ms |`,
    `| the same rows in one prepared query, p99 | ${single.p99.toFixed(3)} ms | |`,
    `| change bus, COMMIT to delivery on another connection, p50 | ${bus.p50.toFixed(3)} ms | |`,
    `| change bus, p99 | ${bus.p99.toFixed(3)} ms | ≤ 1,000 ms (every replica) |`,
    `| replica start: mirror load from PostgreSQL, file | ${file.loadSeconds.toFixed(1)} s | |`,
    `| replica RSS added by the mirror, file (the default) | ${file.rssMb.toFixed(0)} MB | |`,
    `| replica start: mirror load, \`:memory:\` | ${memory.loadSeconds.toFixed(1)} s | |`,
    `| replica RSS added by the mirror, \`:memory:\` | ${memory.rssMb.toFixed(0)} MB | |`,
    `| uncached decision reads on the mirror (device, passwords, rules), file, p50 | ${file.p50.toFixed(3)} ms | ≤ 1 ms |`,
    `| the same, p99 | ${file.p99.toFixed(3)} ms | |`,
    '',
    `- ${miss.count.toLocaleString('en-US')} and ${single.count.toLocaleString('en-US')} sequential misses in ${LOOKUP_MS / 1000} s each (three queries, one query); reads only, no password hashing (that costs the same on SQLite).`,
    '- A replica on PostgreSQL answers a cache miss from its mirror (the last rows), not with the network reads above: those say what an async read port would cost.',
    '- The mirror rows: each load in a child process of its own, RSS after the load minus before (a file mirror\'s pages sit in the kernel\'s page cache instead).',
    END,
  ].join('\n');
  if (process.argv.includes('--write')) writeSection(new URL('../../BENCHMARKS.md', import.meta.url).pathname, 'postgres', section);
  else process.stdout.write(`${section}\n`);
} finally {
  await pool.end();
  await scratch?.drop();
  await stopTestCluster();
  rmSync(dir, { recursive: true, force: true });
}
