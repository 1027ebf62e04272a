/**
 * Storage faults under the verifier, on a real filesystem the test controls (a tiny tmpfs, mounted
 * as root; skipped with the reason otherwise):
 *
 * - disk full while running: writes get HTTP 503 with a JSON error body (not a 500, not a hang),
 *   decisions never turn into an allow for a wrong credential, and once space is freed the same
 *   write succeeds without a restart;
 * - read-only filesystem at start (remounted `ro`): the verifier process refuses to start with a
 *   clear message and a non-zero exit instead of serving from a store it cannot write.
 *
 * @module reliability/faults-disk-full-read-only
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { http, postJson, recordResult, spawnChild } from './harness.js';
import { ADMIN_HEADERS, ADMIN_TOKEN, BROKER_HEADERS, startTestVerifier, WEBHOOK_SECRET } from '../verifier/test/test-verifier.js';
import { CredentialCreate, DeviceCreate } from '../schemas/admin.js';

const PASSWORD = 'disk-full-password-1';

/** Mounts a tmpfs of `size` on a fresh dir, unmounted in t.after; undefined when mounting is not possible. */
function mountTmpfs(t: TestContext, size: string): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'arra-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  // One hook, in this order: a lazy unmount (the verifier may still hold the files), then the dir.
  t.after(() => {
    try {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  return dir;
}

/** Writes zeros until the filesystem is full; returns the filler's path and size. */
function fillDisk(dir: string): { path: string; bytes: number } {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  let bytes = 0;
  try {
    for (;;) bytes += writeSync(fd, chunk);
  } catch {
    // ENOSPC: full
  } finally {
    closeSync(fd);
  }
  return { path, bytes };
}

test('disk full: writes answer 503 JSON, no wrong allow, and recover once space is freed', { timeout: 120_000 }, async (t) => {
  const mount = mountTmpfs(t, '8m');
  if (!mount) return t.skip('needs root to mount a tmpfs (mount -t tmpfs -o size=8m)');
  const v = await startTestVerifier(t, { env: { ARRA_DATA_DIR: join(mount, 'data'), ARRA_CACHE_SIZE: '0', ARRA_LOG_LEVEL: 'warn' } });
  await v.useCases.createDevice(DeviceCreate.parse({ id: 'dev-df' }));
  await v.useCases.addCredential('dev-df', CredentialCreate.parse({ kind: 'password', secret: PASSWORD }));
  const filler = fillDisk(mount);

  // Writes until one fails: SQLite may still have free pages, but the WAL must grow eventually.
  const attempts: number[] = [];
  let failure: { status: number; json: unknown } | undefined;
  for (let i = 0; i < 500 && !failure; i++) {
    const answer = await postJson(v.url, '/v1/admin/devices', { id: `df-${i}`, attributes: { pad: 'x'.repeat(1000) } }, ADMIN_HEADERS);
    attempts.push(answer.status);
    if (answer.status !== 201) failure = { status: answer.status, json: answer.json };
  }
  const wrong = await postJson(v.url, '/v1/authenticate', { clientId: 'dev-df', username: 'dev-df', password: 'not-the-password' }, BROKER_HEADERS);
  const right = await postJson(v.url, '/v1/authenticate', { clientId: 'dev-df', username: 'dev-df', password: PASSWORD }, BROKER_HEADERS);
  const health = await http(v.url, 'GET', '/healthz');

  rmSync(filler.path);
  const recovered = await postJson(v.url, '/v1/admin/devices', { id: 'df-after' }, ADMIN_HEADERS);
  recordResult('faults-disk-full', {
    fillerBytes: filler.bytes,
    writesBeforeFailure: attempts.filter((s) => s === 201).length,
    failure,
    wrongPasswordStatus: wrong.status,
    rightPasswordStatus: right.status,
    healthz: health.status,
    recoveredStatus: recovered.status,
  });

  assert.ok(failure, 'a write failed once the disk was full');
  assert.equal(failure.status, 503, `a full disk is a 503, got ${failure.status} ${JSON.stringify(failure.json)}`);
  assert.equal(typeof (failure.json as { error?: { code?: unknown } }).error?.code, 'string', 'the 503 has a JSON error body');
  assert.notEqual(wrong.status, 200, 'a wrong password is never allowed');
  assert.ok(right.status === 200 || right.status === 503, `the right password is allowed or cannot be decided, got ${right.status}`);
  assert.equal(recovered.status, 201, 'writes work again once space is freed, without a restart');
});

test('a read-only filesystem at start: the verifier refuses to start with a clear message', { timeout: 60_000 }, async (t) => {
  const mount = mountTmpfs(t, '8m');
  if (!mount) return t.skip('needs root to mount a tmpfs');
  const dataDir = join(mount, 'data');
  const env = { ARRA_DATA_DIR: dataDir, ARRA_HTTP_PORT: '0', ARRA_ADMIN_TOKEN: ADMIN_TOKEN, ARRA_WEBHOOK_SECRET: WEBHOOK_SECRET };
  // A first start creates the registry; then the filesystem goes read-only under the stopped service.
  const first = await spawnChild(t, 'runtime/verifier.ts', { env, readyWhen: (line) => line.msg === 'verifier listening' });
  first.process.kill('SIGTERM');
  await first.exit;
  execFileSync('mount', ['-o', 'remount,ro', mount], { stdio: 'pipe' });
  const second = spawnChild(t, 'runtime/verifier.ts', { env, readyWhen: (line) => line.msg === 'verifier listening', timeoutMs: 30_000 });
  const error = await second.then(() => undefined, (err: Error) => err.message);
  recordResult('faults-read-only', { startRefused: error !== undefined, message: error?.split('\n').slice(0, 3).join(' | ') });
  assert.ok(error, 'the verifier did not start on a read-only filesystem');
  assert.match(error, /exited \(1\)/);
  assert.match(error, /read-only|readonly|EROFS|SQLITE_READONLY/i, 'the message says the storage is read-only');
});
