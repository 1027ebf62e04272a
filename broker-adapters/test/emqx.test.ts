/**
 * EMQX 5 dialect against a real verifier: the authn answer carries the decision, the superuser flag
 * and the credential's expiry (no ACL: EMQX asks authz for each check); authz answers allow/deny in a 200;
 * `ignore` only for unknown devices on a chained URI.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LONG_PASSWORD, REPLAY_ENV, provisionCaptureDevices } from './fixtures.js';
import { call } from './http.js';
import { startTestVerifier } from '../../verifier/test/test-verifier.js';
import { CredentialCreate, DeviceCreate, RuleCreate } from '../../schemas/admin.js';

const authn = (fields: Record<string, string>) => ({
  clientid: '', username: '', password: '', peerhost: '127.0.0.1', cert_common_name: '', cert_subject: '', ...fields,
});

test('a device with the right password is allowed with no session-long ACL, so every check asks authz', async (t) => {
  const { port } = await startTestVerifier(t, { env: REPLAY_ENV, provision: provisionCaptureDevices });
  const reply = await call(port, 'POST', '/emqx/authn', { body: authn({ clientid: 'c1', username: 'u', password: LONG_PASSWORD }) });
  assert.equal(reply.status, 200);
  assert.deepEqual(reply.json(), { result: 'allow', is_superuser: false });
});

test('a superuser is flagged and a token login expires when its token does', async (t) => {
  const verifier = await startTestVerifier(t, { env: REPLAY_ENV, provision: provisionCaptureDevices });
  const admin = await call(verifier.port, 'POST', '/emqx/authn', { body: authn({ clientid: 'a', username: 'admin', password: LONG_PASSWORD }) });
  assert.equal(admin.json().is_superuser, true);
  const token = (await verifier.issueToken('bob', 600)).token;
  const [, payload = ''] = token.split('.');
  const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString()) as { exp: number }).exp;
  const bob = await call(verifier.port, 'POST', '/emqx/authn', { body: authn({ clientid: 'bob', username: 'bob', password: token }) });
  assert.equal(bob.json().result, 'allow');
  assert.equal(bob.json().expire_at, exp);
});

test('wrong passwords, empty passwords, unknown devices and wildcard names are denied in a 200', async (t) => {
  const { port } = await startTestVerifier(t, { env: REPLAY_ENV, provision: provisionCaptureDevices });
  for (const fields of [
    { clientid: 'c', username: 'bob', password: 'wrong password' },
    { clientid: 'c', username: 'bob', password: '' },
    { clientid: 'c', username: 'nobody', password: LONG_PASSWORD },
    { clientid: 'c', username: 'bob/#', password: LONG_PASSWORD },
    { clientid: '+', username: '+', password: LONG_PASSWORD },
  ]) {
    const reply = await call(port, 'POST', '/emqx/authn', { body: authn(fields) });
    assert.equal(reply.status, 200);
    assert.equal(reply.json().result, 'deny', JSON.stringify(fields));
  }
});

test('an unknown device is ignored only on a chained URI, a wrong password is denied there too', async (t) => {
  const { port } = await startTestVerifier(t, { env: REPLAY_ENV, provision: provisionCaptureDevices });
  const unknown = await call(port, 'POST', '/emqx/authn?chain=1', { body: authn({ clientid: 'c', username: 'nobody', password: LONG_PASSWORD }) });
  assert.deepEqual(unknown.json(), { result: 'ignore' });
  const wrong = await call(port, 'POST', '/emqx/authn?chain=1', { body: authn({ clientid: 'c', username: 'bob', password: 'wrong password' }) });
  assert.equal(wrong.json().result, 'deny');
});

test('a certificate subject is trusted only when the operator said so', async (t) => {
  const subject = { clientid: 'dev-043', cert_common_name: 'dev-043', cert_subject: 'O=CN-not-last,CN=dev-043' };
  const off = await startTestVerifier(t, { env: REPLAY_ENV, provision: provisionCaptureDevices });
  assert.equal((await call(off.port, 'POST', '/emqx/authn', { body: authn(subject) })).json().result, 'deny');
  const on = await startTestVerifier(t, { provision: provisionCaptureDevices, env: { ...REPLAY_ENV, ARRA_TRUST_CERT_SUBJECT: 'true' } });
  const reply = await call(on.port, 'POST', '/emqx/authn', { body: authn(subject) });
  assert.equal(reply.json().result, 'allow');
  assert.equal(typeof reply.json().expire_at, 'number');
});

test('authz reads qos and retain leniently and answers allow or deny, by POST or GET', async (t) => {
  const { port } = await startTestVerifier(t, { env: REPLAY_ENV, provision: provisionCaptureDevices });
  const login = await call(port, 'POST', '/emqx/authn', { body: { clientid: 'c', username: 'u', password: LONG_PASSWORD } });
  assert.equal(login.json().result, 'allow');
  const ask = (fields: Record<string, unknown>) =>
    call(port, 'POST', '/emqx/authz', { body: { clientid: 'c', username: 'u', peerhost: '127.0.0.1', qos: '1', retain: 'false', ...fields } });
  assert.deepEqual((await ask({ action: 'publish', topic: 'r/1' })).json(), { result: 'allow' });
  assert.equal((await ask({ action: 'publish', topic: 'r/1', qos: 2, retain: true })).json().result, 'allow');
  assert.equal((await ask({ action: 'subscribe', topic: 'r/1' })).json().result, 'deny');
  assert.equal((await ask({ action: 'publish', topic: 'x/+' })).json().result, 'deny');
  assert.equal((await ask({ action: 'publish', topic: 'r/1', qos: '7' })).json().result, 'deny');
  const viaGet = await call(port, 'GET', '/emqx/authz?clientid=c&username=u&action=subscribe&topic=x%2Fy&qos=0&retain=');
  assert.deepEqual(viaGet.json(), { result: 'allow' });
});

test('a rule removed after login and a deny inside a wider filter are answered by authz from the rights of now', async (t) => {
  const verifier = await startTestVerifier(t, {
    env: REPLAY_ENV,
    provision: async (admin) => {
      await admin.createDevice(DeviceCreate.parse({ id: 'gw', superuser: false, requireClientIdMatch: true }));
      await admin.addCredential('gw', CredentialCreate.parse({ kind: 'password', secret: LONG_PASSWORD }));
      await admin.createRule(RuleCreate.parse({ subject: { kind: 'device', id: 'gw' }, permission: 'deny', action: 'subscribe', topic: 'test/nosubscribe', eq: false, priority: 1 }));
      await admin.createRule(RuleCreate.parse({ subject: { kind: 'device', id: 'gw' }, permission: 'allow', action: 'all', topic: '#', eq: false, priority: 2 }));
    },
  });
  const login = await call(verifier.port, 'POST', '/emqx/authn', { body: authn({ clientid: 'gw', username: 'gw', password: LONG_PASSWORD }) });
  assert.deepEqual(login.json(), { result: 'allow', is_superuser: false }, 'no ACL for EMQX to keep for the session');
  const ask = (action: string, topic: string) =>
    call(verifier.port, 'POST', '/emqx/authz', { body: { clientid: 'gw', username: 'gw', peerhost: '127.0.0.1', action, topic, qos: '0', retain: 'false' } });
  assert.equal((await ask('subscribe', '#')).json().result, 'deny', '# overlaps the deny: EMQX never checks deliveries');
  assert.equal((await ask('publish', 'a/b')).json().result, 'allow');
  const allowAll = (await verifier.useCases.listRules()).find((rule) => rule.topic === '#')!;
  await verifier.useCases.deleteRule(allowAll.id);
  assert.equal((await ask('publish', 'a/b')).json().result, 'deny', 'the removed rule stops applying at once');
});
