/**
 * The broker with the real verifier (a real SQLite file), both ways it can be wired: over HTTP (the
 * HTTP authorizer and the change feed) and in one process (the in-process authorizer around the
 * verifier's decider and store). Passwords and certificates decide CONNECT, a device disabled in the
 * registry is disconnected within a second, and a verifier that goes away is "server unavailable"
 * until it is back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Admin } from '../../verifier/admin/index.js';
import { startVerifierProcess } from '../../verifier/test/process.js';
import { startTestVerifier, WEBHOOK_SECRET } from '../../verifier/test/test-verifier.js';
import { createHttpAuthorizer } from '../authorizers/http.js';
import { createInProcessAuthorizer } from '../authorizers/in-process.js';
import { createTestPki, writePkiFiles } from './ops-pki.js';
import { closesWithin, connectCode } from './authz-helpers.js';
import { silent } from './listeners-helpers.js';
import { runBroker } from './ops-helpers.js';
import { CredentialCreate, DeviceCreate } from '../../schemas/admin.js';

const pki = await createTestPki();

/** Provisions dev-1 (password) and dev-tls-1 (the test PKI's device certificate). */
async function provision(admin: Admin): Promise<string> {
  await admin.createDevice(DeviceCreate.parse({ id: 'dev-1' }));
  const created = await admin.addCredential('dev-1', CredentialCreate.parse({ kind: 'password' }));
  await admin.createDevice(DeviceCreate.parse({ id: 'dev-tls-1' }));
  await admin.addCredential('dev-tls-1', CredentialCreate.parse({ kind: 'x509', fingerprint: pki.device.fingerprint }));
  return created.secret!;
}

test('over HTTP: the real verifier decides passwords, and disabling a device disconnects it within a second', async (t) => {
  const verifier = await startTestVerifier(t);
  const password = await provision(verifier.useCases);
  const authorizer = createHttpAuthorizer({ url: verifier.url, secret: WEBHOOK_SECRET, timeoutMs: 1000, logger: silent });
  t.after(() => authorizer.close());
  const broker = await runBroker(t, authorizer);
  const url = `mqtt://127.0.0.1:${broker.ports.mqtt}`;

  assert.equal((await connectCode(t, url, { clientId: 'dev-1', username: 'dev-1', password: 'wrong-password' })).code, 0x86);
  const { code, client } = await connectCode(t, url, { clientId: 'dev-1', username: 'dev-1', password });
  assert.equal(code, 0);
  await new Promise((resolve) => setTimeout(resolve, 200)); // the change feed's poll is open
  const closed = closesWithin(client, 1000);
  await verifier.useCases.patchDevice('dev-1', { enabled: false, disabledReason: 'stolen' });
  assert.equal(await closed, true, 'disconnected within 1 s of being disabled');
  assert.notEqual((await connectCode(t, url, { clientId: 'dev-1', username: 'dev-1', password })).code, 0, 'a disabled device cannot come back');
});

test('over HTTP: a stopped verifier is "server unavailable" and the broker recovers when it is back', async (t) => {
  const verifier = await startVerifierProcess(t);
  await verifier.admin('POST', '/devices', { id: 'dev-1' });
  const { secret: password } = await verifier.admin<{ secret: string }>('POST', '/devices/dev-1/credentials', { kind: 'password' });
  const authorizer = createHttpAuthorizer({ url: verifier.url, secret: verifier.secret, timeoutMs: 500, logger: silent, changeFeed: { minBackoffMs: 20, maxBackoffMs: 200 } });
  t.after(() => authorizer.close());
  const broker = await runBroker(t, authorizer);
  const url = `mqtt://127.0.0.1:${broker.ports.mqtt}`;
  await verifier.kill('SIGTERM');
  assert.equal((await connectCode(t, url, { clientId: 'dev-1', username: 'dev-1', password })).code, 0x88);
  assert.equal((await connectCode(t, url, { clientId: 'dev-1', username: 'dev-1', password, protocolVersion: 4 })).code, 3);
  await verifier.restart();
  assert.equal((await connectCode(t, url, { clientId: 'dev-1', username: 'dev-1', password })).code, 0);
});

test('in one process: the in-process authorizer decides passwords and TLS certificates with the real core and store, and a disable disconnects at once', async (t) => {
  const verifier = await startTestVerifier(t);
  const password = await provision(verifier.useCases);
  const authorizer = createInProcessAuthorizer(verifier.decider, (listener) => verifier.store.onChange(listener), silent);
  t.after(() => authorizer.close());
  const files = writePkiFiles(pki);
  t.after(files.cleanup);
  const running = await runBroker(t, authorizer, { tlsPort: 0, tlsCert: files.path('server.crt'), tlsKey: files.path('server.key') }, { deviceCaPem: pki.ca.certPem });
  const tls = await connectCode(t, `mqtts://127.0.0.1:${running.ports.tls}`, {
    clientId: 'dev-tls-1', ca: pki.ca.certPem, cert: pki.device.certPem, key: pki.device.keyPem,
  });
  assert.equal(tls.code, 0, 'the certificate alone authenticates dev-tls-1');
  const url = `mqtt://127.0.0.1:${running.ports.mqtt}`;
  assert.equal((await connectCode(t, url, { clientId: 'dev-1', username: 'dev-1', password: 'nope-nope' })).code, 0x86);
  const { code, client } = await connectCode(t, url, { clientId: 'dev-1', username: 'dev-1', password });
  assert.equal(code, 0);
  const closed = closesWithin(client, 1000);
  await verifier.useCases.patchDevice('dev-1', { enabled: false });
  assert.equal(await closed, true);
});
