/**
 * How the socket ends after a client's DISCONNECT: nothing more may come from the client
 * [MQTT-3.14.4-1], so once everything the broker wrote has reached the kernel the socket is closed at
 * once, and what the broker answered before still arrives ahead of the close.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import mqttPacket from 'mqtt-packet';
import { rawConnect, startBroker } from './helpers.js';

const DISCONNECT = Buffer.from([0xe0, 0x00]);

/** Resolves with the error a write meets once the peer has closed, or null if none came within `ms`. */
function writeAfterPeerClosed(socket: net.Socket, ms: number): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    socket.once('error', (err) => {
      clearTimeout(timer);
      resolve(err);
    });
    // The first write after a peer's close draws its RST; the next one fails on it.
    const probe = setInterval(() => socket.write(Buffer.from([0xc0, 0x00])), 50);
    timer.unref();
    socket.once('close', () => clearInterval(probe));
    setTimeout(() => clearInterval(probe), ms).unref();
  });
}

test("a client's DISCONNECT closes its TCP socket at once, not half-closed until the client ends", async (t) => {
  const h = await startBroker(t);
  // The client keeps its side open: a half-closed broker socket would keep reading (and ignoring) its bytes.
  const socket = net.connect({ port: h.port, host: '127.0.0.1', allowHalfOpen: true });
  t.after(() => socket.destroy());
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'leaves', clean: true, keepalive: 30 }));
  await new Promise<void>((resolve) => socket.once('data', () => resolve()));
  const ended = new Promise<void>((resolve) => socket.once('end', () => resolve()));
  socket.write(DISCONNECT);
  await ended;
  // Within the linger (1 s) that a half-closed socket would be given before it is destroyed.
  const error = await writeAfterPeerClosed(socket, 700);
  assert.ok(error, 'the broker still held the socket open after DISCONNECT');
  assert.match(error.code ?? '', /ECONNRESET|EPIPE/);
});

test('what the broker answered right before a DISCONNECT arrives before the close', async (t) => {
  const h = await startBroker(t);
  const raw = await rawConnect(t, h, 5, 'acks-then-leaves');
  // PUBLISH QoS 1 and DISCONNECT in one segment: the PUBACK is written, then the socket closes.
  raw.socket.write(Buffer.concat([
    mqttPacket.generate({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('x'), qos: 1, messageId: 7, retain: false, dup: false }, { protocolVersion: 5 }),
    mqttPacket.generate({ cmd: 'disconnect', reasonCode: 0 }, { protocolVersion: 5 }),
  ]));
  const ack = await raw.next();
  assert.equal(ack.cmd, 'puback');
  assert.equal((ack as mqttPacket.IPubackPacket).messageId, 7);
  await raw.closed;
});
