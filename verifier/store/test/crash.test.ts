import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { SqliteStore, Store } from '../index.js';
import { storeUnderTest, testEachStore } from './each-store.js';
import { openStoreIn, tempDir } from './helpers.js';
import { ImportDevice } from '../../../schemas/admin.js';

const CHILD = fileURLToPath(new URL('./import-child.ts', import.meta.url));
const COUNT = 50_000;

/** Runs the importing child and SIGKILLs it `delayMs` after it prints `killOn`; resolves with its output. */
async function importAndKill(dataDir: string, killOn: 'importing' | 'done', delayMs: number): Promise<string> {
  const under = storeUnderTest();
  const args = [CHILD, dataDir, String(COUNT), ...(under.kind === 'postgres' ? [under.url] : [])];
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  // Keep reading to the end: closing the pipe early would kill the child with EPIPE instead.
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk) => {
      output += String(chunk);
      if (output.includes(killOn)) resolve();
    });
    void exited.then(() => resolve());
  });
  await sleep(delayMs);
  child.kill('SIGKILL');
  const signal = await exited;
  clearTimeout(guard);
  assert.equal(signal, 'SIGKILL');
  return output;
}

const COUNT_SQL = `SELECT COUNT(*)::int AS n FROM devices WHERE id LIKE 'crash-%'`;

/** The crash devices in the store's database, read around the store; SQLite's file is checked whole too. */
async function countCrashDevices(store: Store): Promise<{ devices: number; integrity: string }> {
  const under = storeUnderTest();
  if (under.kind === 'postgres') {
    const client = new pg.Client({ connectionString: under.url });
    await client.connect();
    try {
      return { devices: (await client.query<{ n: number }>(COUNT_SQL)).rows[0]!.n, integrity: 'ok' };
    } finally {
      await client.end();
    }
  }
  const db = new Database((store as SqliteStore).path, { readonly: true });
  try {
    const devices = (db.prepare(COUNT_SQL.replace('::int', '')).get() as { n: number }).n;
    return { devices, integrity: db.pragma('integrity_check', { simple: true }) as string };
  } finally {
    db.close();
  }
}

// The transaction of 50,000 rows takes a few hundred ms (on a 2-core box): the delays spread the kill over
// it, so at least one lands inside the open transaction.
for (const delayMs of [100, 200, 300]) {
  testEachStore(`kill -9 ${delayMs} ms into a bulk import leaves all of it or none of it`, async (t) => {
    const dataDir = join(tempDir(t), 'data');
    const output = await importAndKill(dataDir, 'importing', delayMs);
    const store = await openStoreIn(dataDir); // SQLite recovers from the WAL; PostgreSQL rolled back
    t.after(() => store.close());
    const { devices, integrity } = await countCrashDevices(store);
    assert.equal(integrity, 'ok');
    assert.ok(devices === 0 || devices === COUNT, `found ${devices} devices`);
    if (!output.includes('done')) assert.equal(devices, 0, 'an unacknowledged import left nothing');
    // The store still takes writes after the crash.
    await store.imports.write([{ index: 0, row: { ...ImportDevice.parse({ id: 'after-crash' }), passwordHash: null } }], 'fail');
  });
}

testEachStore('an import acknowledged before kill -9 is all there after a reopen', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  await importAndKill(dataDir, 'done', 0);
  const store = await openStoreIn(dataDir);
  t.after(() => store.close());
  assert.deepEqual(await countCrashDevices(store), { devices: COUNT, integrity: 'ok' });
});
