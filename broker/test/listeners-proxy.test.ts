/**
 * Listeners behind the PROXY protocol: a trusted balancer's header (v1 or v2, in the same segment as
 * the client's first bytes or apart) makes the device's own address the one the broker, the gate
 * and the logs see, over TCP and TLS (the header comes before the TLS handshake) and WebSocket; a
 * connection from an address that is not a listed balancer is refused at once; a malformed header is
 * closed at once and an incomplete one when the timeout runs out.
 */
import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { test, type TestContext } from 'node:test';
import mqttPacket from 'mqtt-packet';
import WebSocket from 'ws';
import { createGate, listenTcp, listenTls, listenWs, type ConnectionHandler, type Listener, type ListenOptions } from '../listeners/index.js';
import { createTestPki } from './ops-pki.js';
import { recordingHandler, silent } from './listeners-helpers.js';

const pki = await createTestPki();
const CONNECT = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'proxied', keepalive: 30 });

function options(handler: ConnectionHandler, trusted = ['127.0.0.1'], extra: Partial<ListenOptions> = {}): ListenOptions {
  const gate = createGate({ maxConnections: 100, connectRate: 100, connectRateGlobal: 1000 });
  return { host: '127.0.0.1', port: 0, handler, gate, logger: silent, proxy: { trusted, timeoutMs: 300 }, ...extra };
}

function closing(t: TestContext, listener: Listener): Listener {
  t.after(() => listener.close());
  return listener;
}

function v2Header(source: [number, number, number, number], port: number): Buffer {
  const header = Buffer.alloc(28);
  Buffer.from('0d0a0d0a000d0a515549540a', 'hex').copy(header, 0);
  header[12] = 0x21;
  header[13] = 0x11;
  header.writeUInt16BE(12, 14);
  Buffer.from(source).copy(header, 16);
  Buffer.from([127, 0, 0, 1]).copy(header, 20);
  header.writeUInt16BE(port, 24);
  header.writeUInt16BE(1883, 26);
  return header;
}

function open(t: TestContext, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
    t.after(() => socket.destroy());
  });
}

/** Resolves with the first bytes the stream receives, or 'closed' if it closes first. */
function firstBytes(stream: NodeJS.ReadableStream & { once: Socket['once'] }, timeoutMs = 3000): Promise<Buffer | 'closed'> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nothing within ${timeoutMs} ms`)), timeoutMs);
    stream.once('data', (data: Buffer) => {
      clearTimeout(timer);
      resolve(data);
    });
    stream.once('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
  });
}

const isConnack = (bytes: Buffer | 'closed') => bytes !== 'closed' && bytes[0] === 0x20 && bytes[3] === 0;

/** What a TCP listener passed on for one connection sending `header` and CONNECT in one segment. */
async function seenAfter(t: TestContext, header: Buffer) {
  const handler = recordingHandler(t);
  const listener = closing(t, await listenTcp(options(handler)));
  const socket = await open(t, listener.port);
  socket.write(Buffer.concat([header, CONNECT]));
  assert.ok(isConnack(await firstBytes(socket)));
  return handler.seen;
}

test('TCP: a v1 header sent with the CONNECT in one segment names the device address', async (t) => {
  assert.deepEqual(await seenAfter(t, Buffer.from('PROXY TCP4 203.0.113.7 127.0.0.1 51234 1883\r\n')), [{ peerAddress: '203.0.113.7', transport: 'tcp' }]);
});

test('TCP: a v2 header arriving byte by byte, then the CONNECT, names the device address', async (t) => {
  const handler = recordingHandler(t);
  const listener = closing(t, await listenTcp(options(handler)));
  const socket = await open(t, listener.port);
  socket.setNoDelay(true);
  for (const byte of v2Header([198, 51, 100, 9], 40000)) {
    socket.write(Buffer.from([byte]));
    await new Promise((resolve) => setImmediate(resolve));
  }
  socket.write(CONNECT);
  assert.ok(isConnack(await firstBytes(socket)));
  assert.deepEqual(handler.seen, [{ peerAddress: '198.51.100.9', transport: 'tcp' }]);
});

test('TCP: a LOCAL v2 header (a balancer health check) keeps the balancer address', async (t) => {
  const local = v2Header([0, 0, 0, 0], 0).subarray(0, 16);
  local[12] = 0x20;
  local.writeUInt16BE(0, 14);
  assert.deepEqual(await seenAfter(t, local), [{ peerAddress: '127.0.0.1', transport: 'tcp' }]);
});

test('TCP: a connection from an address that is not a listed balancer is refused at once, header or not', async (t) => {
  const handler = recordingHandler(t);
  const listener = closing(t, await listenTcp(options(handler, ['10.0.0.0/8', '::1'])));
  const socket = await open(t, listener.port);
  socket.write(Buffer.concat([Buffer.from('PROXY TCP4 203.0.113.7 127.0.0.1 51234 1883\r\n'), CONNECT]));
  assert.equal(await firstBytes(socket), 'closed');
  assert.deepEqual(handler.seen, []);
});

test('TCP: a malformed header closes at once; no header at all is malformed too', async (t) => {
  const handler = recordingHandler(t);
  const listener = closing(t, await listenTcp(options(handler)));
  for (const first of [Buffer.from('PROXY TCP4 203.0.113.7 127.0.0.1 99999 1883\r\n'), CONNECT]) {
    const socket = await open(t, listener.port);
    const started = performance.now();
    socket.write(first);
    assert.equal(await firstBytes(socket), 'closed');
    assert.ok(performance.now() - started < 250, 'closed before the 300 ms timeout');
  }
  assert.deepEqual(handler.seen, []);
});

test('TCP: an incomplete header is closed when the timeout runs out', async (t) => {
  const handler = recordingHandler(t);
  const listener = closing(t, await listenTcp(options(handler)));
  const socket = await open(t, listener.port);
  socket.write('PROXY TCP4 203.0.113.7');
  assert.equal(await firstBytes(socket, 5000), 'closed');
  assert.deepEqual(handler.seen, []);
});

test('TCP: the gate counts the device address, so one device over its connect rate does not stop another behind the same balancer', async (t) => {
  const handler = recordingHandler(t);
  const gate = createGate({ maxConnections: 100, connectRate: 1, connectRateGlobal: 1000 });
  const listener = closing(t, await listenTcp(options(handler, ['127.0.0.1'], { gate })));
  const attempt = async (device: string) => {
    const socket = await open(t, listener.port);
    socket.write(Buffer.concat([Buffer.from(`PROXY TCP4 ${device} 127.0.0.1 50000 1883\r\n`), CONNECT]));
    return isConnack(await firstBytes(socket));
  };
  assert.equal(await attempt('192.0.2.1'), true);
  assert.equal(await attempt('192.0.2.1'), false, 'the second connect of the same device within a second is over its rate');
  assert.equal(await attempt('192.0.2.2'), true, 'another device behind the same balancer has its own rate');
});

test('TLS: the header comes before the handshake, and the device address and certificate both reach the broker', async (t) => {
  const handler = recordingHandler(t);
  const listener = closing(t, await listenTls({ ...options(handler), cert: pki.server.certPem, key: pki.server.keyPem, ca: pki.ca.certPem }));
  const raw = await open(t, listener.port);
  raw.write('PROXY TCP6 2001:db8::42 ::1 4000 8883\r\n');
  const secure = tlsConnect({ socket: raw, ca: pki.ca.certPem, cert: pki.device.certPem, key: pki.device.keyPem, servername: 'localhost' });
  t.after(() => secure.destroy());
  await new Promise<void>((resolve, reject) => secure.once('secureConnect', resolve).once('error', reject));
  secure.write(CONNECT);
  assert.ok(isConnack(await firstBytes(secure)));
  assert.deepEqual(handler.seen, [{ peerAddress: '2001:db8::42', transport: 'tls', certFingerprint: pki.device.fingerprint }]);
});

test('WebSocket: the header comes before the HTTP upgrade and names the device address', async (t) => {
  const handler = recordingHandler(t);
  const listener = closing(t, await listenWs({ ...options(handler), maxPayload: 65536 }));
  const raw = await open(t, listener.port);
  raw.write(v2Header([203, 0, 113, 99], 1234));
  const ws = new WebSocket(`ws://127.0.0.1:${listener.port}/mqtt`, 'mqtt', { createConnection: () => raw });
  t.after(() => ws.terminate());
  await new Promise<void>((resolve, reject) => ws.once('open', resolve).once('error', reject));
  // aedes writes the CONNACK in pieces, each its own WebSocket message.
  let received = Buffer.alloc(0);
  const connack = new Promise<Buffer>((resolve) => {
    ws.on('message', (data: Buffer) => {
      received = Buffer.concat([received, data]);
      if (received.length >= 4) resolve(received);
    });
  });
  ws.send(CONNECT);
  assert.ok(isConnack(await connack));
  assert.deepEqual(handler.seen, [{ peerAddress: '203.0.113.99', transport: 'ws' }]);
});

test('WebSocket over TLS: the header comes before the TLS handshake and names the device address', async (t) => {
  const handler = recordingHandler(t);
  const listener = closing(t, await listenWs({ ...options(handler), maxPayload: 65536, tls: { cert: pki.server.certPem, key: pki.server.keyPem } }));
  const raw = await open(t, listener.port);
  raw.write('PROXY TCP4 198.51.100.23 127.0.0.1 6000 8084\r\n');
  const secure = tlsConnect({ socket: raw, ca: pki.ca.certPem, servername: 'localhost' });
  const ws = new WebSocket(`wss://localhost:${listener.port}/mqtt`, 'mqtt', { createConnection: () => secure });
  t.after(() => ws.terminate());
  await new Promise<void>((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const first = new Promise<Buffer>((resolve) => ws.once('message', (data: Buffer) => resolve(data)));
  ws.send(CONNECT);
  assert.equal((await first)[0], 0x20, 'CONNACK');
  assert.deepEqual(handler.seen, [{ peerAddress: '198.51.100.23', transport: 'wss' }]);
});
