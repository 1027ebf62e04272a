/**
 * A reconnect is answered from what the verifier remembers of the device (its record, token record,
 * password credentials, compiled ACL). Every admin write that changes one of them applies at the very
 * next connect, over real HTTP against the real SQLite store.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { BROKER_HEADERS, startTestVerifier, type TestVerifier } from '../../test/test-verifier.js';

const PASSWORD = 'reconnect-cache-password-1';

interface Answer {
  status: number;
  body: { reason?: string; acl?: { rules: Array<{ topic: string }> }; groups?: string[]; superuser?: boolean };
}

async function authenticate(v: TestVerifier, body: object): Promise<Answer> {
  const res = await fetch(`${v.url}/v1/authenticate`, { method: 'POST', headers: { ...BROKER_HEADERS, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

async function admin(v: TestVerifier, method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) {
  const res = await v.admin({ method, url: `/v1/admin${url}`, ...(payload && { payload }) });
  assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
  return res;
}

/** dev-1 with a token and a password, each already accepted twice (so the second one was a reconnect). */
async function reconnected(t: TestContext) {
  const v = await startTestVerifier(t);
  await admin(v, 'POST', '/devices', { id: 'dev-1' });
  await admin(v, 'POST', '/devices/dev-1/credentials', { kind: 'password', secret: PASSWORD });
  const passwordId = (await v.admin({ url: '/v1/admin/devices/dev-1/credentials' })).json()[0].id as string;
  const { token, jti } = await v.issueToken('dev-1', 600);
  const jwt = () => authenticate(v, { clientId: 'dev-1', username: 'dev-1', password: token });
  const password = () => authenticate(v, { clientId: 'dev-1', username: 'dev-1', password: PASSWORD });
  for (const login of [jwt, jwt, password, password]) assert.equal((await login()).status, 200);
  return { v, jti, passwordId, jwt, password };
}

test('revoking a token refuses its reconnect at once', async (t) => {
  const { v, jti, jwt, password } = await reconnected(t);
  await admin(v, 'POST', `/tokens/${jti}/revoke`);
  assert.equal((await jwt()).body.reason, 'revoked');
  assert.equal((await password()).status, 200, 'the device\'s other credential still works');
});

test('revoking a password credential refuses its reconnect at once', async (t) => {
  const { v, passwordId, jwt, password } = await reconnected(t);
  await admin(v, 'POST', `/devices/dev-1/credentials/${passwordId}/revoke`);
  assert.equal((await password()).body.reason, 'revoked');
  assert.equal((await jwt()).status, 200);
});

test('disabling, re-enabling and removing the device apply to reconnects at once', async (t) => {
  const { v, jwt, password } = await reconnected(t);
  await admin(v, 'PATCH', '/devices/dev-1', { enabled: false, disabledReason: 'stolen' });
  assert.deepEqual([(await jwt()).status, (await password()).status], [403, 403]);
  await admin(v, 'PATCH', '/devices/dev-1', { enabled: true });
  assert.deepEqual([(await jwt()).status, (await password()).status], [200, 200]);
  await admin(v, 'DELETE', '/devices/dev-1');
  assert.notEqual((await jwt()).status, 200);
  assert.notEqual((await password()).status, 200);
});

test('retiring the signing key of a token verified before refuses its reconnect at once', async (t) => {
  const { v, jwt } = await reconnected(t);
  const [old] = (await v.admin({ url: '/v1/admin/keys' })).json() as Array<{ kid: string }>;
  await admin(v, 'POST', '/keys/rotate');
  assert.equal((await jwt()).status, 200, 'a rotated-out key keeps verifying until it is retired');
  await admin(v, 'POST', `/keys/${old!.kid}/retire`);
  assert.equal((await jwt()).body.reason, 'bad_credentials');
});

test('a reconnect carries the rules, groups and superuser flag as they are now', async (t) => {
  const { v, jwt } = await reconnected(t);
  assert.deepEqual((await jwt()).body.acl!.rules, []);
  await admin(v, 'POST', '/rules', { subject: { kind: 'device', id: 'dev-1' }, action: 'publish', topic: 'own/${clientid}', permission: 'allow' });
  assert.deepEqual((await jwt()).body.acl!.rules.map((r) => r.topic), ['own/dev-1']);
  await admin(v, 'POST', '/groups', { name: 'fleet' });
  await admin(v, 'POST', '/rules', { subject: { kind: 'group', name: 'fleet' }, action: 'publish', topic: 'fleet/#', permission: 'allow' });
  assert.deepEqual((await jwt()).body.acl!.rules.map((r) => r.topic), ['own/dev-1'], 'not in the group yet');
  await admin(v, 'PATCH', '/devices/dev-1', { groups: ['fleet'], superuser: true });
  const now = (await jwt()).body;
  assert.deepEqual(now.acl!.rules.map((r) => r.topic).sort(), ['fleet/#', 'own/dev-1']);
  assert.deepEqual([now.groups, now.superuser], [['fleet'], true]);
});
