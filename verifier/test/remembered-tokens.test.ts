/**
 * A restarted verifier recognises the own tokens it verified before the stop (`remembered-tokens.json`),
 * and every one of them is still judged: a revocation made after the restart applies at once. A file
 * for another issuer, or one that does not read back whole, is not taken over.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { request } from 'undici';
import { startVerifierProcess, type VerifierProcess } from './process.js';

const FILE = 'remembered-tokens.json';

function dataDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'arra-remembered-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function authenticate(v: VerifierProcess, deviceId: string, token: string): Promise<{ allow: boolean; reason?: string }> {
  const response = await request(`${v.url}/v1/authenticate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-arra-secret': v.secret },
    body: JSON.stringify({ clientId: deviceId, username: deviceId, password: token }),
  });
  return (await response.body.json()) as { allow: boolean; reason?: string };
}

/** A verifier with a device whose token verified once, stopped with SIGTERM. */
async function verifiedThenStopped(t: TestContext, dir: string) {
  const v = await startVerifierProcess(t, { ARRA_DATA_DIR: dir });
  await v.admin('POST', '/devices', { id: 'dev-1' });
  const issued = await v.admin<{ token: string; jti: string }>('POST', '/devices/dev-1/tokens', {});
  assert.equal((await authenticate(v, 'dev-1', issued.token)).allow, true);
  await v.kill('SIGTERM');
  return { v, issued };
}

function takenOver(v: VerifierProcess): number | undefined {
  const line = v.logs.findLast((entry) => entry.msg === 'verified tokens of the last run taken over');
  return line?.takenOver as number | undefined;
}

test('a restarted verifier takes over the tokens it verified, and a revocation after the restart still refuses at once', async (t) => {
  const dir = dataDir(t);
  const { v, issued } = await verifiedThenStopped(t, dir);
  const file = join(dir, FILE);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.ok(!readFileSync(file, 'utf8').includes(issued.token.split('.')[2]!), 'no token, not even its signature, is kept');
  await v.restart();
  assert.equal(takenOver(v), 1);
  assert.equal((await authenticate(v, 'dev-1', issued.token)).allow, true);
  await v.admin('POST', `/tokens/${issued.jti}/revoke`, {});
  const after = await authenticate(v, 'dev-1', issued.token);
  assert.deepEqual([after.allow, after.reason], [false, 'revoked']);
});

test('tokens remembered for another issuer, or a file that does not read back whole, are not taken over', async (t) => {
  const dir = dataDir(t);
  const { v, issued } = await verifiedThenStopped(t, dir);
  const other = await startVerifierProcess(t, { ARRA_DATA_DIR: dir, ARRA_ISSUER: 'another-issuer' });
  assert.equal(takenOver(other), 0);
  await other.kill('SIGTERM');
  writeFileSync(join(dir, FILE), '{"format":1,"issuer":"arra-mq"', { mode: 0o600 });
  await v.restart();
  assert.equal(takenOver(v), undefined);
  assert.ok(v.logs.some((entry) => entry.msg === 'remembered tokens unreadable: each token is verified in full'));
  assert.equal((await authenticate(v, 'dev-1', issued.token)).allow, true, 'verified in full instead');
});
