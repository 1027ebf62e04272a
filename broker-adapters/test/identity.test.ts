/**
 * Every dialect decides superuser and acl requests for the identity the client authenticated as,
 * never for a device its client id names (issue 12, hole 1), over real HTTP against the shipped
 * service (SQLite store, core, adapters). The attack: device `gw` (no client id binding) and
 * superuser `root`; gw's token under client id `root`; an anonymous client calling itself `root`.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { call } from './http.js';
import { type TestVerifier, startTestVerifier } from '../../verifier/test/test-verifier.js';
import { REPLAY_ENV } from './fixtures.js';
import { CredentialCreate, DeviceCreate, RuleCreate } from '../../schemas/admin.js';

async function gwAndRoot(t: TestContext, env: Record<string, string> = {}): Promise<{ v: TestVerifier; gwToken: string }> {
  const v = await startTestVerifier(t, {
    env: { ...REPLAY_ENV, ...env },
    provision: async (admin) => {
      await admin.createDevice(DeviceCreate.parse({ id: 'gw', requireClientIdMatch: false }));
      await admin.createDevice(DeviceCreate.parse({ id: 'root', superuser: true }));
      await admin.createRule(RuleCreate.parse({ subject: { kind: 'device', id: 'gw' }, permission: 'allow', action: 'all', topic: 'gw/#' }));
      await admin.createRule(RuleCreate.parse({ subject: { kind: 'anonymous' }, permission: 'allow', action: 'all', topic: 'public/#' }));
    },
  });
  return { v, gwToken: (await v.issueToken('gw')).token };
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

test('NanoMQ: gw\'s token under client id root is gw for superuser and acl, not root', async (t) => {
  const { v, gwToken } = await gwAndRoot(t);
  const post = (route: string, fields: Record<string, string>) => call(v.port, 'POST', `/nanomq/${route}`, { body: form(fields) });
  assert.equal((await post('auth', { clientid: 'root', password: gwToken })).status, 200);
  assert.equal((await post('superuser', { clientid: 'root', access: '1', topic: '#' })).status, 403, 'was 200: root\'s superuser');
  assert.equal((await post('acl', { clientid: 'root', access: '1', topic: '#' })).status, 403);
  assert.equal((await post('acl', { clientid: 'root', access: '2', topic: 'gw/up' })).status, 200, 'gw\'s own rights');
  assert.equal((await post('acl', { clientid: 'root', username: 'root', access: '2', topic: 'gw/up' })).status, 403, 'a username that disagrees');
  assert.equal((await post('acl', { clientid: 'never-connected', username: 'gw', access: '2', topic: 'gw/up' })).status, 403, 'no authentication on record');
});

test('NanoMQ and EMQX: an anonymous client calling itself root gets the anonymous rules', async (t) => {
  const { v } = await gwAndRoot(t, { ARRA_ALLOW_ANONYMOUS: 'true' });
  const nano = (route: string, fields: Record<string, string>) => call(v.port, 'POST', `/nanomq/${route}`, { body: form(fields) });
  assert.equal((await nano('auth', { clientid: 'root' })).status, 200);
  assert.equal((await nano('superuser', { clientid: 'root', access: '1', topic: '#' })).status, 403);
  assert.equal((await nano('acl', { clientid: 'root', access: '1', topic: '#' })).status, 403);
  assert.equal((await nano('acl', { clientid: 'root', access: '1', topic: 'public/#' })).status, 200);

  const emqx = (route: string, body: Record<string, string>) => call(v.port, 'POST', `/emqx/${route}`, { body });
  const authn = await emqx('authn', { clientid: 'root', username: '', password: '' });
  assert.equal(authn.json().result, 'allow');
  assert.equal(authn.json().is_superuser, false);
  assert.equal((await emqx('authz', { clientid: 'root', username: '', action: 'subscribe', topic: '#' })).json().result, 'deny');
  assert.equal((await emqx('authz', { clientid: 'root', username: '', action: 'subscribe', topic: 'public/#' })).json().result, 'allow');
});

test('EMQX: gw\'s token under client id root is gw at /emqx/authz, not root', async (t) => {
  const { v, gwToken } = await gwAndRoot(t);
  const emqx = (route: string, body: Record<string, string>) => call(v.port, 'POST', `/emqx/${route}`, { body });
  const authn = await emqx('authn', { clientid: 'root', username: '', password: gwToken });
  assert.equal(authn.json().result, 'allow');
  assert.equal(authn.json().is_superuser, false);
  assert.equal((await emqx('authz', { clientid: 'root', username: '', action: 'subscribe', topic: '#' })).json().result, 'deny', 'was allow');
  assert.equal((await emqx('authz', { clientid: 'root', username: '', action: 'publish', topic: 'gw/up' })).json().result, 'allow');
  assert.equal((await emqx('authz', { clientid: 'root', username: 'root', action: 'publish', topic: 'gw/up' })).json().result, 'deny');
  assert.equal((await emqx('authz', { clientid: 'ghost', username: '', action: 'publish', topic: 'gw/up' })).json().result, 'deny');
});

test('go-auth HTTP: gw\'s token as the username under client id root is gw at superuser and acl', async (t) => {
  const { v, gwToken } = await gwAndRoot(t);
  const goAuth = (route: string, body: Record<string, unknown>) => call(v.port, 'POST', `/go-auth/json/${route}`, { body });
  assert.equal((await goAuth('user', { clientid: 'root', username: gwToken, password: '' })).status, 200);
  assert.equal((await goAuth('superuser', { username: gwToken })).status, 403);
  assert.equal((await goAuth('acl', { clientid: 'root', username: gwToken, acc: 4, topic: '#' })).status, 403, 'was 200: root\'s superuser');
  assert.equal((await goAuth('acl', { clientid: 'root', username: gwToken, acc: 2, topic: 'gw/up' })).status, 200);
  assert.equal((await goAuth('acl', { clientid: 'root', username: 'root', acc: 2, topic: 'gw/up' })).status, 403, 'a username that disagrees');
  assert.equal((await goAuth('superuser', { username: 'root' })).status, 403, 'root never authenticated through this broker');
  // The token in the username is proof: a client id with no record (a verifier restart) is checked from it, as gw.
  assert.equal((await goAuth('acl', { clientid: 'restarted', username: gwToken, acc: 2, topic: 'gw/up' })).status, 200);
  assert.equal((await goAuth('acl', { clientid: 'restarted', username: gwToken, acc: 4, topic: '#' })).status, 403);
});

test('go-auth HTTP: a superuser is one only once it authenticated through this broker', async (t) => {
  const { v } = await gwAndRoot(t);
  await v.useCases.addCredential('root', CredentialCreate.parse({ kind: 'password', secret: 'root-password-long' }));
  const goAuth = (route: string, body: Record<string, unknown>) => call(v.port, 'POST', `/go-auth/json/${route}`, { body });
  assert.equal((await goAuth('superuser', { username: 'root' })).status, 403);
  assert.equal((await goAuth('user', { clientid: 'root', username: 'root', password: 'root-password-long' })).status, 200);
  assert.equal((await goAuth('superuser', { username: 'root' })).status, 200);
  assert.equal((await goAuth('acl', { clientid: 'root', username: 'root', acc: 4, topic: '#' })).status, 200);
});

test('go-auth JWT backend: gw\'s bearer token under client id root gets gw\'s rights only', async (t) => {
  const { v, gwToken } = await gwAndRoot(t);
  const headers = { authorization: `Bearer ${gwToken}` };
  const jwt = (route: string, body: unknown) => call(v.port, 'POST', `/go-auth/jwt/json/${route}`, { body: body as object, headers });
  assert.equal((await jwt('user', {})).status, 200);
  assert.equal((await jwt('superuser', {})).status, 403);
  assert.equal((await jwt('acl', { clientid: 'root', acc: 4, topic: '#' })).status, 403);
  assert.equal((await jwt('acl', { clientid: 'root', acc: 2, topic: 'gw/up' })).status, 200);
});
