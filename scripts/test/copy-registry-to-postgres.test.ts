import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { DATABASE_FILE } from '../../verifier/store/index.js';
import { migrate } from '../../verifier/store/migrations.js';
import { testDatabase } from '../../verifier/store/postgres/test/cluster.js';

function runCopy(env: Record<string, string>) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/copy-registry-to-postgres.ts'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('the copy script copies a data dir into PostgreSQL once, and says why it will not with exit 2 or 1', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const dataDir = mkdtempSync(join(tmpdir(), 'arra-copy-script-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const sqlite = new Database(join(dataDir, DATABASE_FILE));
  migrate(sqlite);
  sqlite.exec("INSERT INTO devices (id, created_at, updated_at) VALUES ('dev-1', 1, 1)");
  sqlite.close();
  const env = { ARRA_DATA_DIR: dataDir, ARRA_DATABASE_URL: db.url, ARRA_KEY_ENCRYPTION_KEY: 'key-encryption-secret-for-the-script' };

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
