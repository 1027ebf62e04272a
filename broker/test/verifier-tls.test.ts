/**
 * The standalone broker and a verifier whose webhook listener is off loopback, hence TLS with a
 * certificate from the verifier's server CA: the broker trusts that CA (`ARRA_VERIFIER_CA`, else the
 * shared data directory's `server-ca.pem`) for its decisions and for the device CA, and without it
 * fails closed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTestVerifier, WEBHOOK_SECRET } from '../../verifier/test/test-verifier.js';
import { AuthorizerUnavailableError } from '../errors.js';
import { fetchDeviceCa } from '../listeners/device-ca.js';
import { createHttpAuthorizer } from '../authorizers/http.js';
import { loadBrokerConfig, resolveVerifierCa } from '../config.js';
import { CredentialCreate, DeviceCreate } from '../../schemas/admin.js';

test('over https the broker trusts the server CA in the shared data directory, and refuses the verifier without it', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'arra-verifier-tls-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  // 0.0.0.0 stands for "off loopback": the broker dials 127.0.0.1, which the issued certificate names.
  const verifier = await startTestVerifier(t, { env: { ARRA_DATA_DIR: dataDir, ARRA_WEBHOOK_BIND: '0.0.0.0', ARRA_ADMIN_PORT: '0', ARRA_LOG_LEVEL: 'silent' } });
  await verifier.useCases.createDevice(DeviceCreate.parse({ id: 'dev-1' }));
  const { secret } = await verifier.useCases.addCredential('dev-1', CredentialCreate.parse({ kind: 'password' }));
  const url = `https://127.0.0.1:${new URL(verifier.url).port}`;

  const config = loadBrokerConfig({ ARRA_DATA_DIR: dataDir, ARRA_VERIFIER_URL: url });
  const ca = resolveVerifierCa(config);
  assert.match(ca ?? '', /BEGIN CERTIFICATE/, 'the server CA is found in the data directory');
  const trusting = createHttpAuthorizer({ url, secret: WEBHOOK_SECRET, ca, changeFeed: false });
  t.after(() => trusting.close());
  const decision = await trusting.authenticate({ clientId: 'dev-1', username: 'dev-1', password: secret! });
  assert.equal(decision.allow, true);
  assert.equal(await fetchDeviceCa(url, 5000, ca), verifier.useCases.caCertificatePem());

  const untrusting = createHttpAuthorizer({ url, secret: WEBHOOK_SECRET, changeFeed: false });
  t.after(() => untrusting.close());
  await assert.rejects(untrusting.authenticate({ clientId: 'dev-1', username: 'dev-1', password: secret! }), AuthorizerUnavailableError);

  assert.equal(resolveVerifierCa(loadBrokerConfig({ ARRA_DATA_DIR: dataDir, ARRA_VERIFIER_URL: 'http://127.0.0.1:1' })), undefined, 'http needs no CA');
  assert.throws(() => resolveVerifierCa(loadBrokerConfig({ ARRA_VERIFIER_URL: url, ARRA_VERIFIER_CA: join(dataDir, 'missing.pem') })), /ARRA_VERIFIER_CA: cannot read/);
});

test('ARRA_MQTT_BIND moves the broker listeners off ARRA_BIND', () => {
  assert.equal(loadBrokerConfig({ ARRA_BIND: '127.0.0.1', ARRA_MQTT_BIND: '0.0.0.0' }).bind, '0.0.0.0');
  assert.equal(loadBrokerConfig({ ARRA_BIND: '10.0.0.1' }).bind, '10.0.0.1');
});
