import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openDatabase } from '../db.js';
import { migrate, loadMigrations } from '../migrations.js';
import { openStore } from '../index.js';
import { tempDir } from './helpers.js';
import { DeviceCreate } from '../../../schemas/admin.js';

test('migrations run once and a reopen applies nothing', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  await (await openStore({ dataDir })).close();
  const again = await openStore({ dataDir });
  t.after(() => again.close());
  const db = new Database(again.path, { readonly: true });
  t.after(() => db.close());
  const versions = db.prepare('SELECT version FROM schema_version ORDER BY version').pluck().all();
  assert.deepEqual(versions, loadMigrations().map((m) => m.version));
});

test('migrate applies only pending versions and refuses a database newer than the code', (t) => {
  const db = new Database(join(tempDir(t), 'm.sqlite'));
  t.after(() => db.close());
  const migrations = loadMigrations();
  assert.deepEqual(migrate(db, migrations), migrations.map((m) => m.version));
  assert.deepEqual(migrate(db, migrations), []);
  db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (999, 0)').run();
  assert.throws(() => migrate(db, migrations), /newer than this verifier/);
});

test('the data directory is 0700 and the database, its WAL and shared-memory file are 0600', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  const store = await openStore({ dataDir });
  t.after(() => store.close());
  await store.devices.create(DeviceCreate.parse({ id: 'dev-1' }));
  assert.equal(statSync(dataDir).mode & 0o777, 0o700);
  assert.equal(statSync(store.path).mode & 0o777, 0o600);
  assert.equal(statSync(`${store.path}-wal`).mode & 0o777, 0o600);
  assert.equal(statSync(`${store.path}-shm`).mode & 0o777, 0o600);
});

test('the database runs in WAL mode with full sync, foreign keys and a busy timeout', (t) => {
  const db = openDatabase({ path: join(tempDir(t), 'nested', 'reg.sqlite') });
  t.after(() => db.close());
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('synchronous', { simple: true }), 2, 'FULL');
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  assert.ok((db.pragma('busy_timeout', { simple: true }) as number) >= 1000);
});

test('ping answers while the store is open and throws once it is closed', async (t) => {
  const store = await openStore({ dataDir: join(tempDir(t), 'data') });
  await store.ping();
  await store.close();
  await assert.rejects(store.ping());
});
