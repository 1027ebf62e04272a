/**
 * The listeners carry MQTT from real clients (mqtt.js over mqtt://, mqtts://, ws://, wss://, and
 * Debian's mosquitto_pub) to the broker, each with the right transport info; the TLS listener
 * passes on the fingerprint of a verified client certificate and nothing else.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { createGate, listenTcp, listenTls, listenWs, type ConnectionHandler, type Listener } from '../listeners/index.js';
import { createTestPki, writePkiFiles } from './ops-pki.js';
import { connect, recordingHandler, silent } from './listeners-helpers.js';

const pki = await createTestPki();
const roomy = () => createGate({ maxConnections: 100, connectRate: 100, connectRateGlobal: 1000 });
const base = (handler: ConnectionHandler) => ({ host: '127.0.0.1', port: 0, handler, gate: roomy(), logger: silent });

function tls(handler: ConnectionHandler, rejectUnauthorized = true) {
  return listenTls({
    ...base(handler),
    cert: pki.server.certPem,
    key: pki.server.keyPem,
    ca: pki.ca.certPem,
    rejectUnauthorized,
  });
}

function closing(t: import('node:test').TestContext, listener: Listener): Listener {
  t.after(() => listener.close());
  return listener;
}

test('the TCP listener hands the socket to the broker with the peer address', async (t) => {
  const handler = recordingHandler(t);
  const listener = closing(t, await listenTcp(base(handler)));
  await connect(t, `mqtt://127.0.0.1:${listener.port}`);
  assert.deepEqual(handler.seen, [{ peerAddress: '127.0.0.1', transport: 'tcp' }]);
});

test('the TLS listener passes the SHA-256 of a verified client certificate as certFingerprint', async (t) => {
  const handler = recordingHandler(t);
  const listener = closing(t, await tls(handler));
  await connect(t, `mqtts://127.0.0.1:${listener.port}`, {
    ca: pki.ca.certPem,
    cert: pki.device.certPem,
    key: pki.device.keyPem,
  });
  assert.deepEqual(handler.seen, [{ peerAddress: '127.0.0.1', transport: 'tls', certFingerprint: pki.device.fingerprint }]);
  assert.match(handler.seen[0]?.certFingerprint ?? '', /^[0-9a-f]{64}$/);
});

test('the TLS listener refuses the handshake for a certificate from a CA it does not trust', async (t) => {
  const handler = recordingHandler(t);
  const listener = closing(t, await tls(handler));
  await assert.rejects(
    connect(t, `mqtts://127.0.0.1:${listener.port}`, { ca: pki.ca.certPem, cert: pki.stranger.certPem, key: pki.stranger.keyPem }),
  );
  assert.deepEqual(handler.seen, []);
});

test('with rejectUnauthorized off an unverified certificate gets in but its fingerprint is never passed on', async (t) => {
  const handler = recordingHandler(t);
  const listener = closing(t, await tls(handler, false));
  await connect(t, `mqtts://127.0.0.1:${listener.port}`, { ca: pki.ca.certPem, cert: pki.stranger.certPem, key: pki.stranger.keyPem });
  assert.deepEqual(handler.seen, [{ peerAddress: '127.0.0.1', transport: 'tls' }]);
});

test('mosquitto_pub connects over TLS with --cafile --cert --key and its fingerprint reaches the broker', { skip: !existsSync('/usr/bin/mosquitto_pub') && 'mosquitto-clients not installed' }, async (t) => {
  const handler = recordingHandler(t);
  const listener = closing(t, await tls(handler));
  const files = writePkiFiles(pki);
  t.after(files.cleanup);
  await promisify(execFile)('mosquitto_pub', [
    '-h', '127.0.0.1', '-p', String(listener.port), '-i', 'dev-tls-1', '-t', 'devices/dev-tls-1/hello', '-m', 'hi',
    '--cafile', files.path('ca.crt'), '--cert', files.path('device.crt'), '--key', files.path('device.key'),
  ], { timeout: 5000 });
  assert.equal(handler.seen[0]?.certFingerprint, pki.device.fingerprint);
});

test('the WebSocket listener carries MQTT on /mqtt with the mqtt subprotocol', async (t) => {
  const handler = recordingHandler(t);
  const listener = closing(t, await listenWs({ ...base(handler), maxPayload: 1024 }));
  const client = await connect(t, `ws://127.0.0.1:${listener.port}/mqtt`);
  const got = new Promise<string>((resolve) => client.once('message', (_topic, payload) => resolve(payload.toString())));
  await client.subscribeAsync('echo');
  await client.publishAsync('echo', 'over ws');
  assert.equal(await got, 'over ws');
  assert.deepEqual(handler.seen, [{ peerAddress: '127.0.0.1', transport: 'ws' }]);
});

test('with a server certificate the WebSocket listener speaks wss:// and answers plain HTTPS with 426', async (t) => {
  const handler = recordingHandler(t);
  const listener = closing(t, await listenWs({ ...base(handler), maxPayload: 1024, tls: { cert: pki.server.certPem, key: pki.server.keyPem } }));
  assert.equal(listener.transport, 'wss');
  const client = await connect(t, `wss://127.0.0.1:${listener.port}/mqtt`, { ca: pki.ca.certPem });
  const got = new Promise<string>((resolve) => client.once('message', (_topic, payload) => resolve(payload.toString())));
  await client.subscribeAsync('echo');
  await client.publishAsync('echo', 'over wss');
  assert.equal(await got, 'over wss');
  assert.deepEqual(handler.seen, [{ peerAddress: '127.0.0.1', transport: 'wss' }]);
  const { request } = await import('node:https');
  const status = await new Promise<number>((resolve, reject) => {
    request({ host: '127.0.0.1', port: listener.port, path: '/mqtt', ca: pki.ca.certPem }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject).end();
  });
  assert.equal(status, 426);
});

test('the WebSocket listener refuses other paths and clients that do not offer the mqtt subprotocol', async (t) => {
  const handler = recordingHandler(t);
  const listener = closing(t, await listenWs({ ...base(handler), maxPayload: 1024 }));
  const { WebSocket } = await import('ws');
  const refusal = (url: string, protocols?: string[]) =>
    new Promise<{ status: number; body: { error?: string; message?: string } }>((resolve) => {
      const ws = new WebSocket(url, protocols);
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) }));
      });
      ws.on('error', () => resolve({ status: -1, body: {} }));
    });
  const wrongPath = await refusal(`ws://127.0.0.1:${listener.port}/other`, ['mqtt']);
  assert.equal(wrongPath.status, 404);
  assert.match(wrongPath.body.message ?? '', /\/mqtt/);
  const wrongProtocol = await refusal(`ws://127.0.0.1:${listener.port}/mqtt`, ['chat']);
  assert.equal(wrongProtocol.status, 400);
  assert.equal(wrongProtocol.body.error, 'bad_subprotocol');
  assert.deepEqual(handler.seen, []);
});

test('the WebSocket listener closes a connection that sends a text frame [MQTT-6.0.0-1]', async (t) => {
  const handler = recordingHandler(t);
  const listener = closing(t, await listenWs({ ...base(handler), maxPayload: 1024 }));
  const { WebSocket } = await import('ws');
  const ws = new WebSocket(`ws://127.0.0.1:${listener.port}/mqtt`, ['mqtt']);
  t.after(() => ws.terminate());
  await new Promise((resolve) => ws.once('open', resolve));
  const closed = new Promise((resolve) => ws.once('close', resolve));
  ws.send('not binary');
  await closed;
});

test('closing the TLS listener ends its open connections promptly', async (t) => {
  const handler = recordingHandler(t);
  const listener = await tls(handler);
  const client = await connect(t, `mqtts://127.0.0.1:${listener.port}`, { ca: pki.ca.certPem, cert: pki.device.certPem, key: pki.device.keyPem });
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  const started = Date.now();
  await listener.close();
  await closed;
  assert.ok(Date.now() - started < 1000);
});
