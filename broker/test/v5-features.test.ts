import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IDisconnectPacket, IPublishPacket } from 'mqtt-packet';
import { collect, connectClient, nextMessage, rawConnect, rawSubscribe, sleep, startBroker } from './helpers.js';

test('a client→server topic alias is set by one PUBLISH and used by the next', async (t) => {
  const h = await startBroker(t);
  const sub = await connectClient(t, h, { clientId: 'sub' });
  await sub.subscribeAsync('alias/t');
  const got = collect(sub);
  const raw = await rawConnect(t, h, 5, 'pub');
  raw.send({ cmd: 'publish', topic: 'alias/t', payload: Buffer.from('1'), qos: 0, retain: false, dup: false, properties: { topicAlias: 3 } });
  raw.send({ cmd: 'publish', topic: '', payload: Buffer.from('2'), qos: 0, retain: false, dup: false, properties: { topicAlias: 3 } });
  await sleep(100);
  assert.deepEqual(got.map((m) => [m.topic, m.payload]), [['alias/t', '1'], ['alias/t', '2']]);
});

test('a topic alias above our maximum gets DISCONNECT 0x94', async (t) => {
  const h = await startBroker(t, undefined, { limits: { topicAliasMaximum: 2 } });
  const raw = await rawConnect(t, h, 5, 'pub');
  raw.send({ cmd: 'publish', topic: 'a', payload: Buffer.from('1'), qos: 0, retain: false, dup: false, properties: { topicAlias: 3 } });
  assert.equal(((await raw.next()) as IDisconnectPacket).reasonCode, 0x94);
});

test('an unknown topic alias with an empty topic gets DISCONNECT 0x82', async (t) => {
  const h = await startBroker(t);
  const raw = await rawConnect(t, h, 5, 'pub');
  raw.send({ cmd: 'publish', topic: '', payload: Buffer.from('1'), qos: 0, retain: false, dup: false, properties: { topicAlias: 1 } });
  assert.equal(((await raw.next()) as IDisconnectPacket).reasonCode, 0x82);
});

test('message expiry is counted down on delivery and expired messages are dropped', async (t) => {
  const h = await startBroker(t);
  const pub = await connectClient(t, h, { clientId: 'pub' });
  await pub.publishAsync('exp/long', 'l', { qos: 1, retain: true, properties: { messageExpiryInterval: 60 } });
  await pub.publishAsync('exp/short', 's', { qos: 1, retain: true, properties: { messageExpiryInterval: 1 } });
  await sleep(1100);
  const sub = await connectClient(t, h, { clientId: 'sub' });
  const got = collect(sub);
  await sub.subscribeAsync('exp/#');
  await sleep(100);
  assert.deepEqual(got.map((m) => m.topic), ['exp/long']);
  const left = got[0]!.packet.properties?.messageExpiryInterval ?? 0;
  assert.ok(left > 0 && left < 60, `remaining ${left}`);
});

test('a client exceeding our receive maximum with QoS 2 gets DISCONNECT 0x93', async (t) => {
  const h = await startBroker(t, undefined, { limits: { receiveMaximum: 2 } });
  const raw = await rawConnect(t, h, 5, 'flood');
  for (let id = 1; id <= 3; id++) {
    raw.send({ cmd: 'publish', topic: 'f', payload: Buffer.from('x'), qos: 2, messageId: id, retain: false, dup: false });
  }
  assert.equal((await raw.next()).cmd, 'pubrec');
  assert.equal((await raw.next()).cmd, 'pubrec');
  assert.equal(((await raw.next()) as IDisconnectPacket).reasonCode, 0x93);
});

test('messages larger than the client maximum packet size are not sent to it and are counted', async (t) => {
  const h = await startBroker(t);
  const raw = await rawConnect(t, h, 5, 'small', { properties: { maximumPacketSize: 64 } });
  await rawSubscribe(raw, { big: 0 });
  const pub = await connectClient(t, h, { clientId: 'pub' });
  pub.publish('big', Buffer.alloc(100));
  pub.publish('big', 'fits');
  const got = (await raw.next()) as IPublishPacket;
  assert.equal(got.payload.toString(), 'fits');
  assert.equal(h.broker.stats().droppedMessages, 1);
});

test('the receive maximum of a client limits how many QoS 1 messages it has in flight', async (t) => {
  const h = await startBroker(t);
  const raw = await rawConnect(t, h, 5, 'rm', { properties: { receiveMaximum: 1 } });
  await rawSubscribe(raw, { r: 1 });
  const pub = await connectClient(t, h, { clientId: 'pub' });
  await pub.publishAsync('r', 'a', { qos: 1 });
  await pub.publishAsync('r', 'b', { qos: 1 });
  await sleep(100);
  assert.equal(raw.packets.length, 1);
  raw.send({ cmd: 'puback', messageId: (raw.packets.shift() as IPublishPacket).messageId });
  assert.equal(((await raw.next()) as IPublishPacket).payload.toString(), 'b');
});

test('a 3.1.1 subscriber gets messages from a 5.0 publisher without properties', async (t) => {
  const h = await startBroker(t);
  const sub = await connectClient(t, h, { clientId: 'old', protocolVersion: 4 });
  await sub.subscribeAsync('mix');
  const got = nextMessage(sub);
  const pub = await connectClient(t, h, { clientId: 'new' });
  pub.publish('mix', 'p', { properties: { userProperties: { k: 'v' }, contentType: 'text/plain' } });
  assert.equal((await got).payload.toString(), 'p');
});

test('a client that allows topic aliases gets the topic once, then only the alias', async (t) => {
  const h = await startBroker(t);
  const raw = await rawConnect(t, h, 5, 'aliased', { properties: { topicAliasMaximum: 4 } });
  await rawSubscribe(raw, { 'plant/line-7/temperature': 0, short: 0 });
  const pub = await connectClient(t, h, { clientId: 'pub' });
  pub.publish('plant/line-7/temperature', '1');
  pub.publish('plant/line-7/temperature', '2');
  pub.publish('short', '3');
  const [a, b, c] = [(await raw.next()) as IPublishPacket, (await raw.next()) as IPublishPacket, (await raw.next()) as IPublishPacket];
  assert.deepEqual([a.topic, a.properties?.topicAlias], ['plant/line-7/temperature', 1]);
  assert.deepEqual([b.topic, b.properties?.topicAlias, b.payload.toString()], ['', 1, '2']);
  assert.deepEqual([c.topic, c.properties?.topicAlias], ['short', undefined]);
});

test('mqtt.js resolves the aliases the broker sends', async (t) => {
  const h = await startBroker(t);
  const sub = await connectClient(t, h, { clientId: 'sub', properties: { topicAliasMaximum: 4 } });
  await sub.subscribeAsync('plant/#');
  const got = collect(sub);
  const pub = await connectClient(t, h, { clientId: 'pub' });
  for (let i = 0; i < 3; i++) pub.publish('plant/line-7/temperature', String(i));
  await sleep(100);
  assert.deepEqual(got.map((m) => [m.topic, m.payload]), [0, 1, 2].map((i) => ['plant/line-7/temperature', String(i)]));
});

test('a payload marked as UTF-8 that is not gets PUBACK 0x99 and is not routed', async (t) => {
  const h = await startBroker(t);
  const sub = await connectClient(t, h, { clientId: 'sub' });
  await sub.subscribeAsync('fmt');
  const got = collect(sub);
  const raw = await rawConnect(t, h, 5, 'pub');
  raw.send({ cmd: 'publish', topic: 'fmt', payload: Buffer.from([0xc3, 0x28]), qos: 1, messageId: 1, retain: false, dup: false, properties: { payloadFormatIndicator: true } });
  assert.equal(((await raw.next()) as { reasonCode?: number }).reasonCode, 0x99);
  await sleep(50);
  assert.equal(got.length, 0);
});
