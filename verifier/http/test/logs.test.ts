import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN_TOKEN, startTestVerifier, WEBHOOK_SECRET } from '../../test/test-verifier.js';

test('a run through every kind of request logs none of the secrets it used', async (t) => {
  const v = await startTestVerifier(t);
  const password = 'device-password-9f8e7d6c';
  await v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id: 'dev-1' } });
  await v.admin({ method: 'POST', url: '/v1/admin/devices/dev-1/credentials', payload: { kind: 'password', secret: password } });
  const generated = (await v.admin({ method: 'POST', url: '/v1/admin/devices/dev-1/credentials', payload: { kind: 'password' } })).json().secret;
  const { token } = (await v.admin({ method: 'POST', url: '/v1/admin/devices/dev-1/tokens' })).json();
  const { keyPem } = (await v.admin({ method: 'POST', url: '/v1/admin/devices/dev-1/certificates' })).json();
  for (const secret of [password, 'a-wrong-password-123', token]) {
    await v.broker({ method: 'POST', url: '/v1/authenticate', payload: { clientId: 'dev-1', username: 'dev-1', password: secret } });
  }
  // Wrong secrets, secrets in a query string, and a broken body carrying a password.
  await v.app.inject({ method: 'GET', url: '/v1/admin/devices', headers: { authorization: 'Bearer wrong-admin-token-4242' } });
  await v.app.inject({ method: 'POST', url: '/v1/authenticate', headers: { 'x-arra-secret': 'wrong-broker-secret-4242' }, payload: {} });
  await v.app.inject({ method: 'GET', url: `/nanomq/auth?clientid=dev-1&username=dev-1&password=${password}` });
  await v.app.inject({ method: 'GET', url: `/v1/changes?waitMs=0&secret=${WEBHOOK_SECRET}` });
  await v.broker({ method: 'POST', url: '/v1/authenticate', headers: { 'content-type': 'application/json' }, payload: `{"password":"${password}",` });

  const log = v.logText();
  assert.ok(log.split('\n').length > 10, 'the run was logged');
  for (const secret of [ADMIN_TOKEN, WEBHOOK_SECRET, password, generated, token, 'a-wrong-password-123', 'wrong-admin-token-4242', 'wrong-broker-secret-4242']) {
    assert.equal(log.includes(secret), false, `log contains ${secret.slice(0, 6)}…`);
  }
  assert.equal(log.includes(keyPem.split('\n')[1]), false, 'log contains the device private key');
});
