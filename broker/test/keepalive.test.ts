import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IConnackPacket, IDisconnectPacket } from 'mqtt-packet';
import { allow } from '../authorizers/static.js';
import { closedWithin, rawClient, rawConnect, sleep, startBroker } from './helpers.js';

test('a client silent for 1.5 times its keep alive gets DISCONNECT 0x8D and is closed', async (t) => {
  const h = await startBroker(t);
  const raw = await rawConnect(t, h, 5, 'quiet', { keepalive: 1 });
  const started = Date.now();
  assert.equal(((await raw.next(3000)) as IDisconnectPacket).reasonCode, 0x8d);
  await closedWithin(raw);
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 1400 && elapsed < 2500, `closed after ${elapsed} ms`);
});

test('PINGREQ keeps a connection alive past its keep alive', async (t) => {
  const h = await startBroker(t);
  const raw = await rawConnect(t, h, 4, 'pinger', { keepalive: 1 });
  for (let i = 0; i < 4; i++) {
    await sleep(500);
    raw.send({ cmd: 'pingreq' });
    assert.equal((await raw.next()).cmd, 'pingresp');
  }
});

test('a client is disconnected with 0x87 when its credential expires', async (t) => {
  const h = await startBroker(t, allow(undefined, { deviceId: 'dev', expiresAt: Math.floor(Date.now() / 1000) + 1 }));
  const raw = await rawConnect(t, h, 5, 'short-lived');
  // Expiry falls within 2 s of the test's start; the rest is slack for a loaded CI host (3 s failed once).
  assert.equal(((await raw.next(10_000)) as IDisconnectPacket).reasonCode, 0x87);
  await closedWithin(raw);
});

test('keep alive 0 is bounded by maxKeepAlive: 5.0 is told in CONNACK and timed out, 3.1.1 is timed out silently', async (t) => {
  const h = await startBroker(t, undefined, { limits: { maxKeepAlive: 1 } });
  const v5 = await rawClient(t, h, 5);
  v5.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'never-5', clean: true, keepalive: 0 });
  const ack = (await v5.next()) as IConnackPacket;
  assert.equal(ack.properties?.serverKeepAlive, 1);
  const v4 = await rawConnect(t, h, 4, 'never-4', { keepalive: 0 });
  const started = Date.now();
  assert.equal(((await v5.next(4000)) as IDisconnectPacket).reasonCode, 0x8d);
  await closedWithin(v4, 4000);
  assert.ok(Date.now() - started < 4000);
});

test('a keep alive above maxKeepAlive is lowered to it; within it, it is kept and not echoed', async (t) => {
  const h = await startBroker(t, undefined, { limits: { maxKeepAlive: 120 } });
  const high = await rawClient(t, h, 5);
  high.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'high', clean: true, keepalive: 600 });
  assert.equal(((await high.next()) as IConnackPacket).properties?.serverKeepAlive, 120);
  const fine = await rawClient(t, h, 5);
  fine.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'fine', clean: true, keepalive: 60 });
  assert.equal(((await fine.next()) as IConnackPacket).properties?.serverKeepAlive, undefined);
});
