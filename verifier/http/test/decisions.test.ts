import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestVerifier } from '../../test/test-verifier.js';

const PASSWORD = 'correct-horse-battery';

async function withDevice(t: Parameters<typeof startTestVerifier>[0]) {
  const v = await startTestVerifier(t);
  assert.equal((await v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id: 'dev-1' } })).statusCode, 201);
  const cred = await v.admin({ method: 'POST', url: '/v1/admin/devices/dev-1/credentials', payload: { kind: 'password', secret: PASSWORD } });
  assert.equal(cred.statusCode, 201, cred.body);
  const rule = await v.admin({
    method: 'POST',
    url: '/v1/admin/rules',
    payload: { subject: { kind: 'device', id: 'dev-1' }, action: 'publish', topic: 'sensors/${clientid}/#', permission: 'allow' },
  });
  assert.equal(rule.statusCode, 201, rule.body);
  return v;
}

test('authenticate allows a device with the right password and returns its compiled ACL', async (t) => {
  const v = await withDevice(t);
  const res = await v.broker({ method: 'POST', url: '/v1/authenticate', payload: { clientId: 'dev-1', username: 'dev-1', password: PASSWORD } });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.equal(body.allow, true);
  assert.equal(body.deviceId, 'dev-1');
  assert.deepEqual(body.acl.rules[0], { permission: 'allow', action: 'publish', topic: 'sensors/dev-1/#', eq: false });
});

test('authenticate answers 403 with the deny reason for a wrong password', async (t) => {
  const v = await withDevice(t);
  const res = await v.broker({ method: 'POST', url: '/v1/authenticate', payload: { clientId: 'dev-1', username: 'dev-1', password: 'wrong-password' } });
  assert.equal(res.statusCode, 403);
  assert.deepEqual({ allow: res.json().allow, reason: res.json().reason }, { allow: false, reason: 'bad_credentials' });
});

test('authorize allows a topic the ACL allows and answers 403 acl_denied otherwise', async (t) => {
  const v = await withDevice(t);
  const login = await v.broker({ method: 'POST', url: '/v1/authenticate', payload: { clientId: 'dev-1', username: 'dev-1', password: PASSWORD } });
  assert.equal(login.statusCode, 200, login.body);
  const ok = await v.broker({ method: 'POST', url: '/v1/authorize', payload: { deviceId: 'dev-1', clientId: 'dev-1', action: 'publish', topic: 'sensors/dev-1/t' } });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.deepEqual(ok.json(), { allow: true, superuser: false });
  const no = await v.broker({ method: 'POST', url: '/v1/authorize', payload: { deviceId: 'dev-1', clientId: 'dev-1', action: 'publish', topic: 'other/t' } });
  assert.equal(no.statusCode, 403);
  assert.equal(no.json().reason, 'acl_denied');
});

test('rights: an identity of today gets its ACL; a re-created, disabled or removed one, or anonymous with access off, is a 403', async (t) => {
  const v = await withDevice(t);
  const auth = await v.broker({ method: 'POST', url: '/v1/authenticate', payload: { clientId: 'dev-1', username: 'dev-1', password: PASSWORD } });
  const incarnation = auth.json().incarnation as string;
  assert.match(incarnation, /^[0-9a-f]{32}$/);
  const ask = (payload: object) => v.broker({ method: 'POST', url: '/v1/rights', payload });
  const identity = { deviceId: 'dev-1', incarnation, clientId: 'dev-1', username: 'dev-1' };
  const ok = await ask(identity);
  assert.equal(ok.statusCode, 200, ok.body);
  assert.deepEqual(ok.json().acl.rules[0], { permission: 'allow', action: 'publish', topic: 'sensors/dev-1/#', eq: false });
  assert.equal((await ask({ ...identity, incarnation: 'another-registration' })).json().reason, 'unknown_device');
  assert.equal((await ask({ ...identity, username: 'dev-2' })).statusCode, 403, 'the username can only name the device itself');
  assert.equal((await ask({ deviceId: null, incarnation: null, clientId: 'x' })).json().reason, 'no_credentials');
  assert.equal((await v.admin({ method: 'PATCH', url: '/v1/admin/devices/dev-1', payload: { enabled: false } })).statusCode, 200);
  const disabled = await ask(identity);
  assert.deepEqual([disabled.statusCode, disabled.json().reason], [403, 'disabled']);
  assert.equal((await ask({ clientId: 'dev-1' })).statusCode, 400);
});

test('a body with a missing field, a wrong type or an unknown field is a 400 naming each field', async (t) => {
  const v = await startTestVerifier(t);
  const res = await v.broker({ method: 'POST', url: '/v1/authorize', payload: { clientId: 7, action: 'read', topic: 'a', extra: 1 } });
  assert.equal(res.statusCode, 400);
  const { error } = res.json();
  assert.equal(error.code, 'validation');
  const paths = error.fields.map((f: { path: string }) => f.path).sort();
  assert.deepEqual(paths, ['body.action', 'body.clientId', 'body.extra']);
});

test('malformed JSON is a 400 and a wrong content type a 415, both in the error shape', async (t) => {
  const v = await startTestVerifier(t);
  const bad = await v.broker({ method: 'POST', url: '/v1/authenticate', headers: { 'content-type': 'application/json' }, payload: '{"clientId":' });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.code, 'validation');
  const wrongType = await v.broker({ method: 'POST', url: '/v1/authenticate', headers: { 'content-type': 'text/plain' }, payload: 'hello' });
  assert.equal(wrongType.statusCode, 415);
  assert.equal(wrongType.json().error.code, 'unsupported_media_type');
});

test('the decision endpoints refuse callers without the broker secret with 401 and log the refusal', async (t) => {
  const v = await startTestVerifier(t);
  const payload = { clientId: 'dev-1', password: PASSWORD };
  const none = await v.app.inject({ method: 'POST', url: '/v1/authenticate', payload });
  assert.equal(none.statusCode, 401);
  assert.equal(none.json().error.code, 'unauthorized');
  const wrong = await v.app.inject({ method: 'POST', url: '/v1/authorize', headers: { 'x-arra-secret': 'not-the-secret' }, payload });
  assert.equal(wrong.statusCode, 401);
  assert.match(v.logText(), /"code":"unauthorized"/);
});

test('a closed registry turns decisions into 503 without allow, and healthz into 503', async (t) => {
  const v = await withDevice(t);
  assert.equal((await v.app.inject({ url: '/healthz' })).statusCode, 200);
  v.store.close();
  const res = await v.broker({ method: 'POST', url: '/v1/authenticate', payload: { clientId: 'dev-1', username: 'dev-1', password: PASSWORD } });
  assert.equal(res.statusCode, 503);
  assert.equal(res.json().allow, undefined);
  assert.equal(res.json().error.code, 'unavailable');
  const health = await v.app.inject({ url: '/healthz' });
  assert.equal(health.statusCode, 503);
});
