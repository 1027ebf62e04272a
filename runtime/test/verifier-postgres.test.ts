/**
 * The verifier on PostgreSQL (`ARRA_DATABASE_URL`) as an operator starts it: it serves with private
 * keys sealed in the database, and says plainly (exit code, the variable, never the password) when the
 * database cannot be reached or the key-encryption key is missing.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test, type TestContext } from 'node:test';
import { freePort } from '../../verifier/test/net.js';
import { testDatabase } from '../../verifier/store/postgres/test/cluster.js';

const KEK = 'key-encryption-secret-of-the-runtime-test';
const STACK_LINE = /^\s+at /m;

function runVerifier(t: TestContext, env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'arra-pg-main-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const child = spawn(process.execPath, ['--import', 'tsx', 'runtime/verifier.ts'], {
    env: { PATH: process.env.PATH ?? '', ARRA_DATA_DIR: dataDir, ARRA_HTTP_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const listening = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'verifier listening' && entry.url) resolve(entry.url);
    });
    void exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  listening.catch(() => undefined); // awaited only by the tests that expect it to listen
  return { child, exited, listening, stderr: () => stderr, dataDir };
}

test('on PostgreSQL the verifier serves /healthz and keeps its private keys sealed in the database', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const run = runVerifier(t, { ARRA_DATABASE_URL: db.url, ARRA_KEY_ENCRYPTION_KEY: KEK });
  const url = await run.listening;
  const health = await fetch(`${url}/healthz`);
  assert.equal(health.status, 200);
  const pool = db.pool(1);
  const keys = await pool.query<{ private_jwk: string }>('SELECT private_jwk FROM signing_keys');
  assert.equal(keys.rows.length, 1);
  assert.match(keys.rows[0]!.private_jwk, /^sealed:v1:/);
  const ca = await pool.query<{ key_pem: string }>('SELECT key_pem FROM device_ca');
  assert.match(ca.rows[0]!.key_pem, /^sealed:v1:/);
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0);
});

test('an unreachable database refuses the start: exit 1, names ARRA_DATABASE_URL, never the password', async (t) => {
  const port = await freePort();
  const run = runVerifier(t, { ARRA_DATABASE_URL: `postgres://arra:hunter2-secret@127.0.0.1:${port}/registry`, ARRA_KEY_ENCRYPTION_KEY: KEK });
  assert.equal(await run.exited, 1, run.stderr());
  assert.match(run.stderr(), new RegExp(`verifier refused to start: ARRA_DATABASE_URL: cannot use PostgreSQL at postgres://arra:\\*\\*\\*@127\\.0\\.0\\.1:${port}/registry`));
  assert.doesNotMatch(run.stderr(), /hunter2/);
  assert.doesNotMatch(run.stderr(), STACK_LINE);
});

test('a missing key-encryption key refuses the start before touching the database: exit 2, says which variable', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const run = runVerifier(t, { ARRA_DATABASE_URL: db.url });
  assert.equal(await run.exited, 2, run.stderr());
  assert.match(run.stderr(), /ARRA_KEY_ENCRYPTION_KEY is unset and .*key-encryption-key does not exist/);
  const tables = await db.pool(1).query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'devices'");
  assert.equal(tables.rows[0].n, 0);
});

test('a replica with another key-encryption key refuses to start and says which key the database needs', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const first = runVerifier(t, { ARRA_DATABASE_URL: db.url, ARRA_KEY_ENCRYPTION_KEY: KEK });
  await first.listening;
  const other = runVerifier(t, { ARRA_DATABASE_URL: db.url, ARRA_KEY_ENCRYPTION_KEY: 'another-key-encryption-secret' });
  assert.equal(await other.exited, 1, other.stderr());
  assert.match(other.stderr(), /verifier refused to start: signing_keys:\S+: sealed with key-encryption key \w+, this replica has \w+/);
  assert.doesNotMatch(other.stderr(), STACK_LINE);
});
