/**
 * A connection without traffic either way for `socketTimeoutMs` is closed by the sweep in
 * `limitConnections`: a request the server holds in silence, and an answer the client never reads.
 * One that trickles stays open however long it takes.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { limitConnections, type HttpLimits } from '../connection-limits.js';

const IDLE_MS = 400;
const LIMITS: HttpLimits = {
  headersTimeoutMs: 60_000,
  requestTimeoutMs: 0,
  keepAliveTimeoutMs: 60_000,
  socketTimeoutMs: IDLE_MS,
  maxConnections: 100,
  maxConnectionsPerAddress: 100,
};

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; port: number }> {
  const server = createServer({ requestTimeout: 0 }, handler);
  limitConnections(server, LIMITS);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Sends one request and reports when the server closed the connection (ms after sending), or undefined at `giveUpMs`. */
async function closedAfter(port: number, giveUpMs: number): Promise<{ closedAfterMs: number | undefined; received: string }> {
  const socket: Socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  const sent = performance.now();
  socket.write('GET / HTTP/1.1\r\nHost: v\r\n\r\n');
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now() - sent)));
  socket.on('error', () => undefined);
  const closedAfterMs = await Promise.race([closed, sleep(giveUpMs, undefined)]);
  socket.destroy();
  return { closedAfterMs, received };
}

test('a request the server holds without a byte either way is closed after socketTimeoutMs', async () => {
  const { server, port } = await serve(() => undefined);
  try {
    const { closedAfterMs } = await closedAfter(port, 20 * IDLE_MS);
    assert.ok(closedAfterMs !== undefined, 'the silent connection was never closed');
    assert.ok(closedAfterMs >= IDLE_MS * 0.9, `closed after ${closedAfterMs.toFixed(0)} ms, before the ${IDLE_MS} ms deadline`);
  } finally {
    server.close();
  }
});

test('an answer the client never reads is closed once its bytes stop moving', async () => {
  const answer = Buffer.alloc(32 * 1024 * 1024, 0x61);
  let serverClosed!: (afterMs: number) => void;
  const closedOnServer = new Promise<number>((resolve) => (serverClosed = resolve));
  const { server, port } = await serve((_req, res) => {
    const started = performance.now();
    res.socket!.once('close', () => serverClosed(performance.now() - started));
    res.writeHead(200, { 'content-length': answer.length });
    res.end(answer);
  });
  try {
    // The client reads nothing, so it cannot see the close itself: the server's side says when.
    const client = connect(port, '127.0.0.1');
    client.on('error', () => undefined);
    client.pause();
    client.write('GET / HTTP/1.1\r\nHost: v\r\n\r\n');
    const closedAfterMs = await Promise.race([closedOnServer, sleep(20 * IDLE_MS, undefined)]);
    client.destroy();
    assert.ok(closedAfterMs !== undefined, 'the unread answer held its connection open');
    assert.ok(closedAfterMs >= IDLE_MS * 0.9, `closed after ${closedAfterMs.toFixed(0)} ms, before the ${IDLE_MS} ms deadline`);
  } finally {
    server.close();
  }
});

test('an answer that trickles for longer than socketTimeoutMs is not cut', async () => {
  const pieces = 12;
  const { server, port } = await serve((_req, res) => {
    res.writeHead(200, { 'content-length': pieces });
    let sent = 0;
    const timer = setInterval(() => {
      res.write('x');
      if (++sent === pieces) {
        clearInterval(timer);
        res.end();
      }
    }, IDLE_MS / 4);
    res.once('close', () => clearInterval(timer));
  });
  try {
    const { received } = await closedAfter(port, pieces * (IDLE_MS / 4) + IDLE_MS);
    const body = received.slice(received.indexOf('\r\n\r\n') + 4);
    assert.equal(body, 'x'.repeat(pieces), 'the trickle was cut');
  } finally {
    server.close();
  }
});
