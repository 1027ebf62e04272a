import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SERVER_CA_FILE } from '../../../schemas/data-dir.js';
import { SERVER_CA_KEY_FILE, loadOrCreateServerCa } from '../server-tls.js';

function dataDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'arra-server-ca-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('two verifiers starting at once on one data dir end with one server CA and no leftovers', async (t) => {
  const dir = dataDir(t);
  const [a, b] = await Promise.all([loadOrCreateServerCa(dir), loadOrCreateServerCa(dir)]);
  assert.equal(a.certPem, b.certPem);
  assert.deepEqual(readdirSync(dir).sort(), [SERVER_CA_KEY_FILE, SERVER_CA_FILE].sort());
  assert.equal(statSync(join(dir, SERVER_CA_KEY_FILE)).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, SERVER_CA_FILE)).mode & 0o777, 0o644);
  assert.equal(readFileSync(join(dir, SERVER_CA_FILE), 'utf8'), a.certPem);
});

test('a lost server-ca.pem is written again from the key file, the same CA', async (t) => {
  const dir = dataDir(t);
  const first = await loadOrCreateServerCa(dir);
  unlinkSync(join(dir, SERVER_CA_FILE));
  const again = await loadOrCreateServerCa(dir);
  assert.equal(again.certPem, first.certPem);
  assert.equal(readFileSync(join(dir, SERVER_CA_FILE), 'utf8'), first.certPem);
});
