/**
 * The native decision routes decide for the identity the client authenticated as, never for a device
 * its client id names (the attack of issue 12, hole 1): device `gw` (no client id binding) and
 * superuser `root`; gw's token under client id `root`, and an anonymous client calling itself `root`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestVerifier, type TestVerifier } from '../../test/test-verifier.js';

async function gwAndRoot(t: Parameters<typeof startTestVerifier>[0], env: Record<string, string> = {}) {
  const v = await startTestVerifier(t, { env });
  for (const payload of [{ id: 'gw', requireClientIdMatch: false }, { id: 'root', superuser: true }]) {
    assert.equal((await v.admin({ method: 'POST', url: '/v1/admin/devices', payload })).statusCode, 201);
  }
  const issued = await v.admin({ method: 'POST', url: '/v1/admin/devices/gw/tokens', payload: { ttlSeconds: 600 } });
  assert.equal(issued.statusCode, 201, issued.body);
  return { v, gwToken: issued.json().token as string };
}

function authorize(v: TestVerifier, payload: Record<string, unknown>) {
  return v.broker({ method: 'POST', url: '/v1/authorize', payload: { action: 'subscribe', topic: '#', ...payload } });
}

test('gw authenticated under client id root gets gw\'s rights from /v1/authorize, never root\'s superuser', async (t) => {
  const { v, gwToken } = await gwAndRoot(t);
  const login = await v.broker({ method: 'POST', url: '/v1/authenticate', payload: { clientId: 'root', password: gwToken } });
  assert.equal(login.statusCode, 200, login.body);
  assert.equal(login.json().deviceId, 'gw');

  const asRoot = await authorize(v, { clientId: 'root' });
  assert.equal(asRoot.statusCode, 403, 'gw has no rule for #; before the fix this was root\'s superuser allow');
  assert.equal(asRoot.json().reason, 'acl_denied');
  for (const claim of [{ username: 'root' }, { deviceId: 'root' }]) {
    const res = await authorize(v, { clientId: 'root', ...claim });
    assert.equal(res.statusCode, 403, JSON.stringify(claim));
    assert.equal(res.json().reason, 'not_authenticated', 'a claim that disagrees with what was authenticated');
  }
});

test('/v1/authorize denies a client id that never authenticated, whatever device it names', async (t) => {
  const { v } = await gwAndRoot(t);
  const res = await authorize(v, { clientId: 'root', deviceId: 'root', username: 'root' });
  assert.equal(res.statusCode, 403);
  assert.equal(res.json().reason, 'not_authenticated');
});

test('an anonymous client calling itself root gets the anonymous rules, not root\'s', async (t) => {
  const { v } = await gwAndRoot(t, { ARRA_ALLOW_ANONYMOUS: 'true' });
  const rule = { subject: { kind: 'anonymous' }, action: 'subscribe', topic: 'public/#', permission: 'allow' };
  assert.equal((await v.admin({ method: 'POST', url: '/v1/admin/rules', payload: rule })).statusCode, 201);
  const login = await v.broker({ method: 'POST', url: '/v1/authenticate', payload: { clientId: 'root' } });
  assert.equal(login.statusCode, 200, login.body);
  assert.equal(login.json().deviceId, null);
  assert.equal((await authorize(v, { clientId: 'root' })).statusCode, 403);
  assert.equal((await authorize(v, { clientId: 'root', topic: 'public/x' })).statusCode, 200);
});
