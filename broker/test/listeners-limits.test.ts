/**
 * Admission limits: the connection cap and the per-address and global connect rates refuse sockets
 * at once and count why; capacity comes back when connections close and as time passes.
 */
import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import { test } from 'node:test';
import { createGate, listenTcp, type Gate, type Ticket } from '../listeners/index.js';
import { connect, recordingHandler, silent } from './listeners-helpers.js';

function fakeClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const socket = () => ({ destroyed: false, destroy() { this.destroyed = true; } });

/** Admits and asserts it was let in. */
function admitted(gate: Gate, peer: string, s = socket()): Ticket {
  const ticket = gate.admit(peer, s);
  assert.equal(typeof ticket, 'object', `${peer} refused: ${String(ticket)}`);
  return ticket as Ticket;
}

test('the gate refuses beyond the authenticated cap and admits again after a release', () => {
  const gate = createGate({ maxConnections: 2, connectRate: 100, connectRateGlobal: 100 });
  const first = admitted(gate, '10.0.0.1');
  assert.equal(first.promote(), true);
  assert.equal(admitted(gate, '10.0.0.2').promote(), true);
  assert.equal(gate.admit('10.0.0.3', socket()), 'max_connections');
  first.release();
  first.release(); // twice is once
  assert.equal(gate.open, 1);
  const third = admitted(gate, '10.0.0.3');
  const fourth = admitted(gate, '10.0.0.4'); // both pending: there was one free slot when they came
  assert.equal(third.promote(), true);
  assert.equal(fourth.promote(), false, 'no authenticated slot left for the fourth');
  assert.equal(gate.admit('10.0.0.5', socket()), 'max_connections');
  assert.equal(gate.refused.max_connections, 2);
});

test('pending sockets never take authenticated slots: their own per-address cap refuses, a full pool evicts its oldest', () => {
  const gate = createGate({ maxConnections: 2, connectRate: 100, connectRateGlobal: 100, maxPending: 3, maxPendingPerAddress: 2 });
  const attacker = [socket(), socket(), socket()];
  admitted(gate, '10.0.0.66', attacker[0]);
  admitted(gate, '10.0.0.66', attacker[1]);
  assert.equal(gate.admit('10.0.0.66', attacker[2]!), 'pending_address');
  admitted(gate, '10.0.0.67', socket());
  assert.equal(gate.pending, 3);
  // The pool is full: a newcomer is let in and the oldest pending socket is closed.
  const client = admitted(gate, '10.0.0.1');
  assert.equal(attacker[0]!.destroyed, true);
  assert.equal(gate.expelled.pending_evicted, 1);
  assert.equal(client.promote(), true);
  assert.deepEqual({ pending: gate.pending, authenticated: gate.authenticated }, { pending: 2, authenticated: 1 });
});

test('a pending socket is closed once the connect deadline passes; an authenticated one is not', async () => {
  const gate = createGate({ maxConnections: 10, connectRate: 100, connectRateGlobal: 100, connectTimeoutMs: 100 });
  const silent = socket();
  const speaking = socket();
  admitted(gate, '10.0.0.1', silent);
  admitted(gate, '10.0.0.2', speaking).promote();
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.equal(silent.destroyed, true);
  assert.equal(speaking.destroyed, false);
  assert.equal(gate.expelled.connect_timeout, 1);
  assert.deepEqual({ pending: gate.pending, authenticated: gate.authenticated }, { pending: 0, authenticated: 1 });
});

test('the per-address rate limits one address without touching the others, and refills with time', () => {
  const clock = fakeClock();
  const gate = createGate({ maxConnections: 100, connectRate: 3, connectRateGlobal: 100 }, clock.now);
  for (let i = 0; i < 3; i++) admitted(gate, '10.0.0.1');
  assert.equal(gate.admit('10.0.0.1', socket()), 'rate_address');
  admitted(gate, '10.0.0.2');
  clock.advance(334);
  admitted(gate, '10.0.0.1');
  assert.equal(gate.admit('10.0.0.1', socket()), 'rate_address');
});

test('the global rate limits all addresses together', () => {
  const clock = fakeClock();
  const gate = createGate({ maxConnections: 100, connectRate: 10, connectRateGlobal: 4 }, clock.now);
  for (let i = 0; i < 4; i++) admitted(gate, `10.0.0.${i}`);
  assert.equal(gate.admit('10.0.0.9', socket()), 'rate_global');
  clock.advance(1000);
  admitted(gate, '10.0.0.9');
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
  assert.deepEqual({ open: gate.open, authenticated: gate.authenticated }, { open: 0, authenticated: 0 });
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
