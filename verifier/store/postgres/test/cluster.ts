/**
 * A real PostgreSQL for tests: `ARRA_TEST_DATABASE_URL` when set, else a throwaway cluster (initdb into a
 * temp dir, run as the unprivileged `postgres` user when the tests run as root, on a free 127.0.0.1
 * port, removed after). Each `testDatabase()` is a fresh database of its own; a test skips, saying why,
 * when neither a URL nor the server binaries are there.
 *
 * @module verifier/store/postgres/test/cluster
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import pg from 'pg';
import { freePort } from '../../../test/net.js';

const DEBIAN_BIN_ROOT = '/usr/lib/postgresql';

interface Cluster {
  /** Admin URL (the `postgres` database) of the server. */
  url: string;
  /** Temp dir holding the data directory and the socket, removed by `stop`. */
  dir: string;
  stop(): void;
}

/** initdb/pg_ctl: `ARRA_TEST_POSTGRES_BIN`, then PATH, then Debian's newest `/usr/lib/postgresql/N/bin`. */
export function postgresBinDir(): string | undefined {
  const candidates = [process.env.ARRA_TEST_POSTGRES_BIN, ...(process.env.PATH ?? '').split(':')];
  if (existsSync(DEBIAN_BIN_ROOT)) {
    const versions = readdirSync(DEBIAN_BIN_ROOT).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(DEBIAN_BIN_ROOT, v, 'bin')));
  }
  return candidates.find((dir) => dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` system user. */
function asServerUser(): { prefix: string[]; uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return { prefix: [] };
  const passwd = spawnSync('getent', ['passwd', 'postgres'], { encoding: 'utf8' });
  const fields = passwd.stdout.trim().split(':');
  if (passwd.status !== 0 || fields.length < 4) throw new Error('running as root, and there is no `postgres` user to run the test cluster as');
  return { prefix: ['runuser', '-u', 'postgres', '--'], uid: Number(fields[2]), gid: Number(fields[3]) };
}

/** Runs in the cluster's own dir: the server user may not be allowed into the repository's. */
function spawnAs(prefix: string[], command: string, args: string[], cwd: string) {
  const [file, ...rest] = [...prefix, command, ...args];
  return spawnSync(file!, rest, { encoding: 'utf8', timeout: 60_000, cwd });
}

function run(prefix: string[], command: string, args: string[], cwd: string): void {
  const result = spawnAs(prefix, command, args, cwd);
  if (result.status !== 0) throw new Error(`${command} ${args[0] ?? ''} failed (${result.status ?? result.signal}): ${result.stderr || result.stdout}`);
}

async function startCluster(binDir: string): Promise<Cluster> {
  const user = asServerUser();
  const dir = mkdtempSync(join(tmpdir(), 'arra-pg-'));
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid!);
  const data = join(dir, 'data');
  const superuser = user.uid === undefined ? userInfo().username : 'postgres';
  run(user.prefix, join(binDir, 'initdb'), ['-D', data, '-U', superuser, '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'], dir);
  let port = 0;
  for (let attempt = 0; ; attempt += 1) {
    port = await freePort();
    const options = `-h 127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c full_page_writes=off -c max_connections=200`;
    try {
      run(user.prefix, join(binDir, 'pg_ctl'), ['start', '-w', '-t', '60', '-D', data, '-l', join(dir, 'log'), '-o', options], dir);
      break;
    } catch (err) {
      if (attempt >= 2) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    spawnAs(user.prefix, join(binDir, 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w'], tmpdir());
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stop);
  return { url: `postgres://${superuser}@127.0.0.1:${port}/postgres`, dir, stop };
}

let cluster: Promise<Cluster> | undefined;

/** Why PostgreSQL tests cannot run here, or undefined when they can. */
export function postgresUnavailable(): string | undefined {
  if (process.env.ARRA_TEST_DATABASE_URL) return undefined;
  if (!postgresBinDir()) return 'no PostgreSQL: set ARRA_TEST_DATABASE_URL or install the server (Debian: apt-get install postgresql)';
  return undefined;
}

/** The server's admin URL: the configured one, or the file's own cluster, started once and stopped at exit. */
async function serverUrl(): Promise<string> {
  if (process.env.ARRA_TEST_DATABASE_URL) return process.env.ARRA_TEST_DATABASE_URL;
  cluster ??= startCluster(postgresBinDir()!);
  return (await cluster).url;
}

/** Stops this file's throwaway cluster now (it is stopped at exit otherwise); returns its removed dir. */
export async function stopTestCluster(): Promise<string | undefined> {
  const started = await cluster;
  cluster = undefined;
  started?.stop();
  return started?.dir;
}

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database on the configured server or this process's throwaway cluster (benchmarks too). */
export async function scratchDatabase(): Promise<ScratchDatabase> {
  const reason = postgresUnavailable();
  if (reason) throw new Error(reason);
  const admin = await serverUrl();
  const name = `arra_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(admin, `CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const owner = cluster;
  return {
    url: url.href,
    async drop() {
      if (owner !== cluster) return; // its throwaway cluster is already gone, and the database with it
      await adminQuery(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

export interface TestDatabase {
  url: string;
  /** A pool on this database, ended before the database is dropped. */
  pool(max?: number): pg.Pool;
}

/** A fresh, empty database for one test, dropped after it; `undefined` (and the test skipped) without PostgreSQL. */
export async function testDatabase(t: TestContext): Promise<TestDatabase | undefined> {
  const reason = postgresUnavailable();
  if (reason) {
    t.skip(reason);
    return undefined;
  }
  const scratch = await scratchDatabase();
  const pools: pg.Pool[] = [];
  t.after(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await scratch.drop();
  });
  return {
    url: scratch.url,
    pool(max = 4) {
      const pool = new pg.Pool({ connectionString: scratch.url, max });
      // An idle client that the server ends (a test's pg_terminate_backend, the FORCE drop) is
      // re-emitted by the pool; with no listener that is an uncaught error, not what the test checks.
      pool.on('error', () => undefined);
      pools.push(pool);
      return pool;
    },
  };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
