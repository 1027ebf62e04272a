/**
 * Admission limits: the connection cap and the per-address and global connect rates refuse sockets
 * at once and count why; capacity comes back when connections close and as time passes.
 */
import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import { test } from 'node:test';
import { createGate, listenTcp } from '../listeners/index.js';
import { connect, recordingHandler, silent } from './listeners-helpers.js';

function fakeClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

test('the gate refuses beyond the connection cap and admits again after a release', () => {
  const gate = createGate({ maxConnections: 2, connectRate: 100, connectRateGlobal: 100 });
  assert.equal(gate.admit('10.0.0.1'), null);
  assert.equal(gate.admit('10.0.0.2'), null);
  assert.equal(gate.admit('10.0.0.3'), 'max_connections');
  gate.release();
  assert.equal(gate.open, 1);
  assert.equal(gate.admit('10.0.0.3'), null);
  assert.equal(gate.admit('10.0.0.4'), 'max_connections');
  assert.equal(gate.refused.max_connections, 2);
});

test('the per-address rate limits one address without touching the others, and refills with time', () => {
  const clock = fakeClock();
  const gate = createGate({ maxConnections: 100, connectRate: 3, connectRateGlobal: 100 }, clock.now);
  for (let i = 0; i < 3; i++) assert.equal(gate.admit('10.0.0.1'), null);
  assert.equal(gate.admit('10.0.0.1'), 'rate_address');
  assert.equal(gate.admit('10.0.0.2'), null);
  clock.advance(334);
  assert.equal(gate.admit('10.0.0.1'), null);
  assert.equal(gate.admit('10.0.0.1'), 'rate_address');
});

test('the global rate limits all addresses together', () => {
  const clock = fakeClock();
  const gate = createGate({ maxConnections: 100, connectRate: 10, connectRateGlobal: 4 }, clock.now);
  for (let i = 0; i < 4; i++) assert.equal(gate.admit(`10.0.0.${i}`), null);
  assert.equal(gate.admit('10.0.0.9'), 'rate_global');
  clock.advance(1000);
  assert.equal(gate.admit('10.0.0.9'), null);
});

function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.on('error', () => {});
  });
}

test('a TCP listener at its connection cap closes the next socket at once and counts it', async (t) => {
  const refusals: string[] = [];
  const gate = createGate({ maxConnections: 1, connectRate: 100, connectRateGlobal: 100 });
  const listener = await listenTcp({
    host: '127.0.0.1', port: 0, handler: recordingHandler(t), gate, logger: silent,
    events: { onRefused: (_transport, reason) => refusals.push(reason) },
  });
  t.after(() => listener.close());
  const first = await connect(t, `mqtt://127.0.0.1:${listener.port}`);
  const second = await rawSocket(listener.port);
  t.after(() => second.destroy());
  assert.equal(await closedWithin(second, 1000), true);
  assert.deepEqual(refusals, ['max_connections']);
  first.end(true);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(gate.open, 0);
  await connect(t, `mqtt://127.0.0.1:${listener.port}`);
});

test('a TCP listener closes sockets beyond the per-address connect rate', async (t) => {
  const gate = createGate({ maxConnections: 100, connectRate: 2, connectRateGlobal: 100 });
  const listener = await listenTcp({ host: '127.0.0.1', port: 0, handler: recordingHandler(t), gate, logger: silent });
  t.after(() => listener.close());
  const sockets = await Promise.all([0, 1, 2].map(() => rawSocket(listener.port)));
  t.after(() => sockets.forEach((s) => s.destroy()));
  const closed = await Promise.all(sockets.map((s) => closedWithin(s, 300)));
  assert.deepEqual(closed.filter(Boolean).length, 1);
  assert.equal(gate.refused.rate_address, 1);
});
