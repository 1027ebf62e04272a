/**
 * `startBroker` end to end with the real protocol engine and real clients: every configured
 * listener carries MQTT, the TLS fingerprint reaches the authorizer, `$SYS` and `/metrics` report the
 * broker's state, and close() tells MQTT 5 clients the server is shutting down.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTestPki } from '../../broker/test/ops-pki.js';
import { connect } from '../../broker/test/listeners-helpers.js';
import { recordingAuthorizer, runBroker } from '../../broker/test/ops-helpers.js';

const pki = await createTestPki();

test('a broker with TCP, TLS, WebSocket and WebSocket-over-TLS listeners routes a message across all four', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'arra-start-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'server.crt'), pki.server.certPem);
  writeFileSync(join(dir, 'server.key'), pki.server.keyPem);
  const authorizer = recordingAuthorizer();
  const running = await runBroker(t, authorizer, {
    tlsPort: 0, wsPort: 0, wssPort: 0, tlsCert: join(dir, 'server.crt'), tlsKey: join(dir, 'server.key'),
  }, { deviceCaPem: pki.ca.certPem });
  const tcp = await connect(t, `mqtt://127.0.0.1:${running.ports.mqtt}`, { clientId: 'dev-tcp' });
  const tls = await connect(t, `mqtts://127.0.0.1:${running.ports.tls}`, {
    clientId: 'dev-tls-1', ca: pki.ca.certPem, cert: pki.device.certPem, key: pki.device.keyPem,
  });
  const ws = await connect(t, `ws://127.0.0.1:${running.ports.ws}/mqtt`, { clientId: 'dev-ws' });
  const wss = await connect(t, `wss://127.0.0.1:${running.ports.wss}/mqtt`, { clientId: 'dev-wss', ca: pki.ca.certPem });
  const got = new Promise<string>((resolve) => ws.once('message', (_t, p) => resolve(p.toString())));
  const gotOverTls = new Promise<string>((resolve) => wss.once('message', (_t, p) => resolve(p.toString())));
  await ws.subscribeAsync('fan/#');
  await wss.subscribeAsync('fan/#');
  await tls.subscribeAsync('fan/#');
  await tcp.publishAsync('fan/in', 'from tcp');
  assert.equal(await got, 'from tcp');
  assert.equal(await gotOverTls, 'from tcp');
  const byClient = Object.fromEntries(authorizer.requests.map((r) => [r.clientId, r]));
  assert.equal(byClient['dev-tls-1']?.certFingerprint, pki.device.fingerprint);
  assert.equal(byClient['dev-tcp']?.certFingerprint, undefined);
  assert.equal(byClient['dev-ws']?.peerAddress, '127.0.0.1');
});

test('a WebSocket-over-TLS port without a server certificate is a configuration error naming the variable', async (t) => {
  await assert.rejects(runBroker(t, recordingAuthorizer(), { wssPort: 0 }), {
    name: 'BrokerConfigError',
    message: 'ARRA_WSS_PORT is set: ARRA_TLS_CERT and ARRA_TLS_KEY are required',
  });
});

test('$SYS statistics are published retained and the metrics endpoint reports connected clients', async (t) => {
  const running = await runBroker(t, recordingAuthorizer(), { sysInterval: 1, metricsPort: 0 });
  const client = await connect(t, `mqtt://127.0.0.1:${running.ports.mqtt}`, { clientId: 'watcher' });
  const got = new Promise<string>((resolve) => client.on('message', (topic, payload) => {
    if (topic === '$SYS/broker/clients/connected' && payload.toString() === '1') resolve(payload.toString());
  }));
  await client.subscribeAsync('$SYS/broker/clients/connected');
  assert.equal(await got, '1');
  const body = await (await fetch(`http://127.0.0.1:${running.ports.metrics}/metrics`)).text();
  assert.match(body, /^arra_broker_clients_connected 1$/m);
  assert.match(body, /^arra_broker_connections_accepted_total\{transport="tcp"\} 1$/m);
  const notFound = await fetch(`http://127.0.0.1:${running.ports.metrics}/other`);
  assert.equal(notFound.status, 404);
});

test('close() sends MQTT 5 clients DISCONNECT with reason "server shutting down"', async (t) => {
  const running = await runBroker(t, recordingAuthorizer());
  const client = await connect(t, `mqtt://127.0.0.1:${running.ports.mqtt}`, { protocolVersion: 5, clientId: 'v5' });
  const disconnect = new Promise<number | undefined>((resolve) => client.once('disconnect', (packet) => resolve(packet.reasonCode)));
  await running.close();
  assert.equal(await disconnect, 0x8b);
});

test('a listener port already in use makes startBroker fail with EADDRINUSE', async (t) => {
  const first = await runBroker(t, recordingAuthorizer());
  await assert.rejects(runBroker(t, recordingAuthorizer(), { mqttPort: first.ports.mqtt }), { code: 'EADDRINUSE' });
});
