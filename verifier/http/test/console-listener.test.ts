/** Where the console is served: beside the admin API, on its own listener when `ARRA_ADMIN_PORT` gives it one. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestVerifier } from '../../test/test-verifier.js';

test('with ARRA_ADMIN_PORT the console answers on the admin listener only, with its CSP and the device CA it downloads', async (t) => {
  const v = await startTestVerifier(t, { env: { ARRA_ADMIN_PORT: '0' } });
  assert.notEqual(v.adminUrl, v.url);
  const page = await fetch(`${v.adminUrl}/console/devices`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  assert.equal((await fetch(`${v.adminUrl}/console/assets/app.js`)).status, 200);
  assert.equal((await fetch(`${v.adminUrl}/v1/ca.pem`)).status, 200, 'the Keys page downloads the CA from its own origin');
  assert.equal((await fetch(`${v.url}/console`)).status, 404, 'not on the webhook listener');
  assert.equal((await fetch(`${v.url}/console/assets/app.js`)).status, 404);
});
