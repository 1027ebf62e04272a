import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IDisconnectPacket } from 'mqtt-packet';
import { allow } from '../authorizers/static.js';
import { closedWithin, rawConnect, sleep, startBroker } from './helpers.js';

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
  assert.equal(((await raw.next(3000)) as IDisconnectPacket).reasonCode, 0x87);
  await closedWithin(raw);
});
