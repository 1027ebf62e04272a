import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IConnackPacket, IDisconnectPacket } from 'mqtt-packet';
import type { CompiledAcl } from '../../schemas/index.js';
import { allow, deny } from '../authorizers/static.js';
import { closedWithin, collect, connectClient, rawClient, rawConnect, rawSubscribe, sleep, startBroker } from './helpers.js';

const wide: CompiledAcl = { rules: [{ permission: 'allow', action: 'all', topic: '#', eq: false }], noMatch: 'deny' };
const narrow: CompiledAcl = { rules: [{ permission: 'allow', action: 'all', topic: 'keep/#', eq: false }], noMatch: 'deny' };

test('a change that revokes a device disconnects its 5.0 session with 0x87 and leaves others alone', async (t) => {
  const h = await startBroker(t, (req) => allow(wide, { deviceId: req.clientId }));
  const target = await rawConnect(t, h, 5, 'dev-a');
  const other = await rawConnect(t, h, 4, 'dev-b');
  h.authorizer.setDecision((req) => (req.clientId === 'dev-a' ? deny('revoked') : allow(wide, { deviceId: req.clientId })));
  h.authorizer.announce({ kind: 'device', deviceId: 'dev-a' });
  assert.equal(((await target.next()) as IDisconnectPacket).reasonCode, 0x87);
  await closedWithin(target);
  other.send({ cmd: 'pingreq' });
  assert.equal((await other.next()).cmd, 'pingresp');
});

test('a 3.1.1 client that is no longer allowed is closed', async (t) => {
  const h = await startBroker(t, allow(wide, { deviceId: 'd' }));
  const raw = await rawConnect(t, h, 4, 'd');
  h.authorizer.setDecision(deny('disabled'));
  await h.broker.recheck({ kind: 'all' });
  await closedWithin(raw);
});

test('a narrower ACL after a change drops the subscriptions it no longer allows', async (t) => {
  const h = await startBroker(t, allow(wide, { deviceId: 'd' }));
  const raw = await rawConnect(t, h, 4, 'd');
  await rawSubscribe(raw, { 'keep/x': 0, 'drop/x': 0 });
  h.authorizer.setDecision(allow(narrow, { deviceId: 'd' }));
  await h.broker.recheck({ kind: 'device', deviceId: 'd' });
  assert.equal(h.broker.stats().subscriptions, 1);
  const pub = await connectClient(t, h, { clientId: 'pub' });
  pub.publish('drop/x', 'no');
  pub.publish('keep/x', 'yes');
  const got = (await raw.next()) as { payload: Buffer };
  assert.equal(got.payload.toString(), 'yes');
});

test('the narrower ACL also governs later publishes of the connected client', async (t) => {
  const h = await startBroker(t, allow(wide, { deviceId: 'd' }));
  const watcher = await connectClient(t, h, { clientId: 'w' });
  await watcher.subscribeAsync('#');
  const got = collect(watcher);
  const dev = await connectClient(t, h, { clientId: 'd' });
  dev.publish('drop/x', 'before');
  await sleep(50);
  h.authorizer.setDecision((req) => (req.clientId === 'd' ? allow(narrow, { deviceId: 'd' }) : allow(wide)));
  await h.broker.recheck({ kind: 'device', deviceId: 'd' });
  dev.publish('drop/x', 'after');
  await sleep(100);
  assert.deepEqual(got.map((m) => m.payload), ['before']);
});

test('a recheck the authorizer cannot answer disconnects (fail closed)', async (t) => {
  const h = await startBroker(t, allow(wide, { deviceId: 'd' }));
  const raw = await rawConnect(t, h, 5, 'd');
  h.authorizer.setDecision('unavailable');
  await h.broker.recheck({ kind: 'device', deviceId: 'd' });
  assert.equal(((await raw.next()) as IDisconnectPacket).reasonCode, 0x87);
});

test('a revocation announced while a CONNECT is being decided still refuses it', async (t) => {
  let calls = 0;
  const h = await startBroker(t, async () => {
    calls++;
    if (calls > 1) return deny('revoked');
    await sleep(100);
    return allow(wide, { deviceId: 'd' });
  });
  const raw = await rawClient(t, h, 5);
  raw.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'd', clean: true, keepalive: 30 });
  await sleep(20);
  h.authorizer.announce({ kind: 'device', deviceId: 'd' });
  assert.equal(((await raw.next()) as IConnackPacket).reasonCode, 0x87);
});

test('changes announced together are re-checked together: each affected connection once, however many of its changes came', async (t) => {
  const rechecked: string[] = [];
  const h = await startBroker(t, (req) => {
    if (req.recheck) rechecked.push(req.clientId);
    return allow(wide, { deviceId: req.clientId });
  });
  await rawConnect(t, h, 5, 'dev-a');
  await rawConnect(t, h, 5, 'dev-b');
  await rawConnect(t, h, 5, 'dev-c');
  // As an import announces: one change per device it wrote, in one turn; dev-c is not among them.
  const done = [];
  for (let i = 0; i < 200; i++) done.push(h.broker.recheck({ kind: 'device', deviceId: i % 2 === 0 ? 'dev-a' : `imported-${i}` }));
  done.push(h.broker.recheck({ kind: 'device', deviceId: 'dev-b' }));
  await Promise.all(done);
  assert.deepEqual(rechecked.sort(), ['dev-a', 'dev-b']);
});
