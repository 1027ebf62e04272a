import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { DATABASE_FILE } from '../../verifier/store/index.js';
import { migrate } from '../../verifier/store/migrations.js';
import { testDatabase } from '../../verifier/store/postgres/test/cluster.js';

function runCopy(env: Record<string, string>, nodeOptions: string[] = []) {
  const result = spawnSync(process.execPath, [...nodeOptions, '--import', 'tsx', 'scripts/copy-registry-to-postgres.ts'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const KEK_SECRET = 'key-encryption-secret-for-the-script';

/** A data dir whose SQLite registry `fill` wrote, and the script's settings to copy it into `url`. */
function copySettings(t: TestContext, url: string, fill: (sqlite: Database.Database) => void) {
  const dataDir = mkdtempSync(join(tmpdir(), 'arra-copy-script-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const sqlite = new Database(join(dataDir, DATABASE_FILE));
  migrate(sqlite);
  fill(sqlite);
  sqlite.close();
  return { dataDir, env: { ARRA_DATA_DIR: dataDir, ARRA_DATABASE_URL: url, ARRA_KEY_ENCRYPTION_KEY: KEK_SECRET } };
}

test('the copy script copies a data dir into PostgreSQL once, and says why it will not with exit 2 or 1', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const { dataDir, env } = copySettings(t, db.url, (sqlite) => sqlite.exec("INSERT INTO devices (id, created_at, updated_at) VALUES ('dev-1', 1, 1)"));

  const noUrl = runCopy({ ...env, ARRA_DATABASE_URL: '' });
  assert.equal(noUrl.code, 2);
  assert.match(noUrl.stderr, /ARRA_DATABASE_URL: set it/);
  const noKey = runCopy({ ...env, ARRA_KEY_ENCRYPTION_KEY: '' });
  assert.equal(noKey.code, 2);
  assert.match(noKey.stderr, /ARRA_KEY_ENCRYPTION_KEY is unset and .*key-encryption-key does not exist/);

  const copied = runCopy(env);
  assert.equal(copied.code, 0, copied.stderr);
  assert.match(copied.stdout, /"devices":1/);
  // From a file, as lxc/setup.sh keeps it: the same database, so a second copy is refused.
  const urlFile = join(dataDir, 'database-url');
  writeFileSync(urlFile, db.url, { mode: 0o600 });
  const again = runCopy({ ...env, ARRA_DATABASE_URL: '', ARRA_DATABASE_URL_FILE: urlFile });
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already holds a registry.*\(nothing was copied\)/);
  assert.ok(!`${copied.stdout}${again.stderr}`.includes(env.ARRA_KEY_ENCRYPTION_KEY), 'the secret is never printed');
});

test('the copy streams: a registry several times larger than the script\'s heap is copied whole', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  // 12,000 devices with 8 KB of attributes each: 96 MB of rows against a 48 MB old-generation heap.
  const attributes = JSON.stringify({ note: 'x'.repeat(8 * 1024) });
  const { env } = copySettings(t, db.url, (sqlite) => {
    const insert = sqlite.prepare('INSERT INTO devices (id, attributes, created_at, updated_at) VALUES (?, ?, 1, 1)');
    sqlite.transaction(() => {
      for (let i = 0; i < 12_000; i += 1) insert.run(`dev-${i}`, attributes);
    })();
  });
  const copied = runCopy(env, ['--max-old-space-size=48']);
  assert.equal(copied.code, 0, copied.stderr.slice(-2000));
  assert.match(copied.stdout, /"devices":12000/);
  const pool = db.pool(1);
  const { rows } = await pool.query<{ n: number; bytes: number }>('SELECT count(*)::int AS n, sum(length(attributes))::int AS bytes FROM devices');
  assert.deepEqual(rows[0], { n: 12_000, bytes: 12_000 * attributes.length });
});
