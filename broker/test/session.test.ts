import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IConnackPacket, IPublishPacket } from 'mqtt-packet';
import { collect, connectClient, rawClient, rawConnect, rawSubscribe, sleep, startBroker } from './helpers.js';

test('a persistent 3.1.1 session keeps subscriptions and queues QoS 1 messages while offline', async (t) => {
  const h = await startBroker(t);
  const first = await connectClient(t, h, { clientId: 'p', protocolVersion: 4, clean: false });
  await first.subscribeAsync('q', { qos: 1 });
  await first.endAsync();
  const pub = await connectClient(t, h, { clientId: 'pub' });
  await pub.publishAsync('q', 'while-away', { qos: 1 });
  pub.publish('q', 'qos0-not-kept', { qos: 0 });
  await sleep(50);
  const raw = await rawClient(t, h, 4);
  raw.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'p', clean: false, keepalive: 30 });
  const ack = (await raw.next()) as IConnackPacket;
  assert.equal(ack.sessionPresent, true);
  const msg = (await raw.next()) as IPublishPacket;
  assert.equal(msg.payload.toString(), 'while-away');
  assert.equal(msg.qos, 1);
});

test('clean start discards the old session and says so with session present 0', async (t) => {
  const h = await startBroker(t);
  const first = await connectClient(t, h, { clientId: 'c', clean: false, properties: { sessionExpiryInterval: 60 } });
  await first.subscribeAsync('x');
  await first.endAsync();
  const raw = await rawClient(t, h, 5);
  raw.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'c', clean: true, keepalive: 30 });
  assert.equal(((await raw.next()) as IConnackPacket).sessionPresent, false);
  assert.equal(h.broker.stats().subscriptions, 0);
});

test('unacknowledged QoS 1 messages are resent with DUP on reconnect', async (t) => {
  const h = await startBroker(t);
  const raw = await rawConnect(t, h, 4, 'r', { clean: false });
  await rawSubscribe(raw, { t: 1 });
  const pub = await connectClient(t, h, { clientId: 'pub' });
  await pub.publishAsync('t', 'm', { qos: 1 });
  const first = (await raw.next()) as IPublishPacket;
  assert.equal(first.dup, false);
  raw.socket.destroy(); // no PUBACK
  await sleep(50);
  const again = await rawClient(t, h, 4);
  again.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'r', clean: false, keepalive: 30 });
  await again.next();
  const resent = (await again.next()) as IPublishPacket;
  assert.equal(resent.dup, true);
  assert.equal(resent.messageId, first.messageId);
  assert.equal(resent.payload.toString(), 'm');
});

test('a QoS 2 message is delivered exactly once through PUBREC, PUBREL and PUBCOMP, even when resent', async (t) => {
  const h = await startBroker(t);
  const sub = await connectClient(t, h, { clientId: 'sub' });
  await sub.subscribeAsync('e', { qos: 2 });
  const got = collect(sub);
  const raw = await rawConnect(t, h, 5, 'pub');
  const publish = { cmd: 'publish' as const, topic: 'e', payload: Buffer.from('once'), qos: 2 as const, messageId: 9, retain: false, dup: false };
  raw.send(publish);
  assert.equal((await raw.next()).cmd, 'pubrec');
  raw.send({ ...publish, dup: true });
  assert.equal((await raw.next()).cmd, 'pubrec');
  raw.send({ cmd: 'pubrel', messageId: 9 });
  assert.equal((await raw.next()).cmd, 'pubcomp');
  await sleep(100);
  assert.deepEqual(got.map((m) => m.payload), ['once']);
});

test('the in-flight window holds further QoS 1 messages until acknowledgements free it', async (t) => {
  const h = await startBroker(t, undefined, { limits: { maxInflight: 2 } });
  const raw = await rawConnect(t, h, 4, 'slow');
  await rawSubscribe(raw, { w: 1 });
  const pub = await connectClient(t, h, { clientId: 'pub' });
  for (let i = 0; i < 4; i++) await pub.publishAsync('w', `m${i}`, { qos: 1 });
  await sleep(100);
  assert.equal(raw.packets.length, 2);
  const [a, b] = raw.packets.splice(0, 2) as IPublishPacket[];
  raw.send({ cmd: 'puback', messageId: a!.messageId });
  raw.send({ cmd: 'puback', messageId: b!.messageId });
  const c = (await raw.next()) as IPublishPacket;
  const d = (await raw.next()) as IPublishPacket;
  assert.deepEqual([c.payload.toString(), d.payload.toString()], ['m2', 'm3']);
});

test('the offline queue is bounded: the oldest messages are dropped and counted', async (t) => {
  const h = await startBroker(t, undefined, { limits: { maxQueuedPerSession: 2 } });
  const first = await connectClient(t, h, { clientId: 'q', protocolVersion: 4, clean: false });
  await first.subscribeAsync('b', { qos: 1 });
  await first.endAsync();
  const pub = await connectClient(t, h, { clientId: 'pub' });
  for (let i = 0; i < 4; i++) await pub.publishAsync('b', `m${i}`, { qos: 1 });
  assert.equal(h.broker.stats().droppedMessages, 2);
  const back = await rawConnect(t, h, 4, 'q', { clean: false });
  const got = [(await back.next()) as IPublishPacket, (await back.next()) as IPublishPacket];
  assert.deepEqual(got.map((m) => m.payload.toString()), ['m2', 'm3']);
});

test('a 5.0 session with expiry 0 ends when the connection ends; a non-zero one expires later', async (t) => {
  const h = await startBroker(t);
  const short = await connectClient(t, h, { clientId: 's0', clean: false });
  await short.subscribeAsync('x');
  const lasting = await connectClient(t, h, { clientId: 's1', clean: false, properties: { sessionExpiryInterval: 1 } });
  await lasting.subscribeAsync('y');
  await short.endAsync();
  await lasting.endAsync();
  await sleep(100);
  assert.equal(h.broker.stats().sessions, 1);
  await sleep(1100);
  assert.equal(h.broker.stats().sessions, 0);
});

test('shared subscriptions deliver each message to one member of the group, round robin', async (t) => {
  const h = await startBroker(t);
  const a = await connectClient(t, h, { clientId: 'a' });
  const b = await connectClient(t, h, { clientId: 'b' });
  await a.subscribeAsync('$share/g/jobs/#');
  await b.subscribeAsync('$share/g/jobs/#');
  const gotA = collect(a);
  const gotB = collect(b);
  const pub = await connectClient(t, h, { clientId: 'pub' });
  for (let i = 0; i < 4; i++) pub.publish('jobs/x', `j${i}`);
  await sleep(150);
  assert.equal(gotA.length, 2);
  assert.equal(gotB.length, 2);
});
