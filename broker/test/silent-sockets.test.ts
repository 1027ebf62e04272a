/**
 * Sockets that never speak: on every listener (TCP, TLS, WebSocket, WebSocket over TLS) a socket
 * that has not finished its handshake and its CONNECT within `connectTimeoutMs` is closed, and
 * sockets not yet authenticated have caps of their own, so they cannot lock out real clients.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { test, type TestContext } from 'node:test';
import WebSocket from 'ws';
import { connect } from './listeners-helpers.js';
import { recordingAuthorizer, runBroker } from './ops-helpers.js';
import { createTestPki } from './ops-pki.js';

const pki = await createTestPki();
const TIMEOUT_MS = 1000;

async function allListeners(t: TestContext, overrides: Parameters<typeof runBroker>[2] = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'arra-silent-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'server.crt'), pki.server.certPem);
  writeFileSync(join(dir, 'server.key'), pki.server.keyPem);
  return runBroker(t, recordingAuthorizer(), {
    tlsPort: 0, wsPort: 0, wssPort: 0, tlsCert: join(dir, 'server.crt'), tlsKey: join(dir, 'server.key'),
    connectTimeoutMs: TIMEOUT_MS, ...overrides,
  }, { deviceCaPem: pki.ca.certPem });
}

function rawSocket(t: TestContext, port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ port, host: '127.0.0.1', localAddress }, () => resolve(socket));
    socket.once('error', reject);
    t.after(() => socket.destroy());
  });
}

/** Milliseconds until the peer closed the socket, or null if it is still open after `ms`. */
function closedAfter(socket: Socket | import('node:tls').TLSSocket, ms: number): Promise<number | null> {
  const started = Date.now();
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve(0);
    const timer = setTimeout(() => resolve(null), ms);
    socket.on('error', () => {});
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
}

/** The first bytes of a TLS ClientHello record: a handshake record header promising 512 bytes that never come. */
const HALF_CLIENT_HELLO = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]);
/** A CONNECT whose remaining length promises more than is sent. */
const HALF_CONNECT = Buffer.from([0x10, 0x20, 0x00, 0x04, 0x4d, 0x51]);

test('every listener closes a socket that sends nothing, half a handshake or no CONNECT, within the connect timeout', async (t) => {
  const running = await allListeners(t);
  const { mqtt, tls, ws, wss } = running.ports as Required<typeof running.ports>;
  const sockets: Record<string, Socket | import('node:tls').TLSSocket> = {
    'tcp, nothing': await rawSocket(t, mqtt),
    'tcp, half a CONNECT': await rawSocket(t, mqtt),
    'tls, no ClientHello': await rawSocket(t, tls),
    'tls, half a ClientHello': await rawSocket(t, tls),
    'ws, nothing': await rawSocket(t, ws),
    'ws, half an upgrade request': await rawSocket(t, ws),
    'wss, no ClientHello': await rawSocket(t, wss),
  };
  sockets['tcp, half a CONNECT']!.write(HALF_CONNECT);
  sockets['tls, half a ClientHello']!.write(HALF_CLIENT_HELLO);
  sockets['ws, half an upgrade request']!.write('GET /mqtt HTTP/1.1\r\nHost: x\r\n');
  sockets['tls, handshake done, no CONNECT'] = await new Promise((resolve, reject) => {
    const s = tlsConnect({ port: tls, host: '127.0.0.1', ca: pki.ca.certPem, cert: pki.device.certPem, key: pki.device.keyPem, servername: 'localhost' }, () => resolve(s));
    s.once('error', reject);
    t.after(() => s.destroy());
  });
  const upgraded = new WebSocket(`ws://127.0.0.1:${ws}/mqtt`, 'mqtt');
  t.after(() => upgraded.terminate());
  await new Promise((resolve, reject) => upgraded.once('open', resolve).once('error', reject));
  const upgradedClosed = new Promise<number>((resolve) => {
    const started = Date.now();
    upgraded.once('close', () => resolve(Date.now() - started));
  });

  const limit = TIMEOUT_MS + 3000; // the deadline plus a sweep and a loaded machine
  const closed = Object.fromEntries(await Promise.all(Object.entries(sockets).map(async ([name, s]) => [name, await closedAfter(s, limit)] as const)));
  for (const [name, ms] of Object.entries(closed)) assert.notEqual(ms, null, `${name}: still open after ${limit} ms`);
  const upgradedMs = await Promise.race([upgradedClosed, new Promise<null>((r) => setTimeout(() => r(null), limit))]);
  assert.notEqual(upgradedMs, null, 'ws, upgraded, no CONNECT: still open');
  t.diagnostic(`closed after (ms): ${JSON.stringify({ ...closed, 'ws, upgraded, no CONNECT': upgradedMs })}`);
  assert.ok(running.gate.expelled.connect_timeout >= 8, `expelled ${running.gate.expelled.connect_timeout}`);
  assert.equal(running.gate.pending, 0);
});

test('with the pending pool held by silent sockets from other addresses, a real client still connects', async (t) => {
  const running = await allListeners(t, { maxPendingConnections: 8, maxPendingPerAddress: 4, maxConnections: 2, connectTimeoutMs: 60_000 });
  const { mqtt, tls } = running.ports as Required<typeof running.ports>;
  const attackers: Socket[] = [];
  for (const address of ['127.0.0.2', '127.0.0.3', '127.0.0.4']) {
    for (let i = 0; i < 6; i++) attackers.push(await rawSocket(t, i % 2 ? tls : mqtt, address));
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  const open = attackers.filter((s) => !s.destroyed && !s.readableEnded).length;
  assert.equal(running.gate.refused.pending_address, 6, 'two per address over its cap of four');
  assert.equal(running.gate.pending, 8);
  assert.ok(open <= 8, `${open} attacker sockets still open`);
  const client = await connect(t, `mqtt://127.0.0.1:${mqtt}`, { clientId: 'real' });
  const overTls = await connect(t, `mqtts://127.0.0.1:${tls}`, { clientId: 'real-tls', ca: pki.ca.certPem, cert: pki.device.certPem, key: pki.device.keyPem });
  assert.equal(client.connected && overTls.connected, true);
  assert.equal(running.gate.authenticated, 2);
  assert.ok(running.gate.expelled.pending_evicted >= 2, 'the oldest silent sockets made room');
  // The authenticated slots are full now: a third client is refused with a reason, not hung.
  await assert.rejects(connect(t, `mqtt://127.0.0.1:${mqtt}`, { clientId: 'third', protocolVersion: 5 }));
});

test('a client that completes its CONNECT over any listener leaves the pending pool for an authenticated slot', async (t) => {
  const running = await allListeners(t, { connectTimeoutMs: 60_000 });
  const { mqtt, tls, ws, wss } = running.ports as Required<typeof running.ports>;
  await connect(t, `mqtt://127.0.0.1:${mqtt}`, { clientId: 'over-tcp' });
  await connect(t, `mqtts://127.0.0.1:${tls}`, { clientId: 'over-tls', ca: pki.ca.certPem, cert: pki.device.certPem, key: pki.device.keyPem });
  await connect(t, `ws://127.0.0.1:${ws}/mqtt`, { clientId: 'over-ws' });
  await connect(t, `wss://127.0.0.1:${wss}/mqtt`, { clientId: 'over-wss', ca: pki.ca.certPem });
  assert.deepEqual({ authenticated: running.gate.authenticated, pending: running.gate.pending }, { authenticated: 4, pending: 0 });
});
