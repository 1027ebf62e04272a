import { test } from 'node:test';
import assert from 'node:assert/strict';
import mqttPacket from 'mqtt-packet';
import { collect, connectClient, nextMessage, rawConnect, rawSubscribe, sleep, startBroker, type RawClient } from './helpers.js';

test('a 5.0 subscriber receives a QoS 0 message from a 3.1.1 publisher through a wildcard', async (t) => {
  const h = await startBroker(t);
  const sub = await connectClient(t, h, { clientId: 'sub' });
  await sub.subscribeAsync('sensors/+/temp');
  const pub = await connectClient(t, h, { clientId: 'pub', protocolVersion: 4 });
  const got = nextMessage(sub);
  pub.publish('sensors/a/temp', '21.5');
  const msg = await got;
  assert.equal(msg.topic, 'sensors/a/temp');
  assert.equal(msg.payload.toString(), '21.5');
  assert.equal(msg.packet.qos, 0);
});

test('QoS 1 and QoS 2 messages are delivered at the lower of published and granted QoS', async (t) => {
  const h = await startBroker(t);
  const sub = await connectClient(t, h, { clientId: 'sub' });
  await sub.subscribeAsync('q/1', { qos: 1 });
  await sub.subscribeAsync('q/2', { qos: 2 });
  const pub = await connectClient(t, h, { clientId: 'pub', protocolVersion: 4 });
  const got = collect(sub);
  await pub.publishAsync('q/1', 'one', { qos: 2 });
  await pub.publishAsync('q/2', 'two', { qos: 2 });
  await sleep(100);
  assert.deepEqual(
    got.map((m) => [m.topic, m.payload, m.packet.qos]),
    [['q/1', 'one', 1], ['q/2', 'two', 2]],
  );
});

test('overlapping subscriptions deliver one copy at the highest QoS with every subscription identifier', async (t) => {
  const h = await startBroker(t);
  const sub = await connectClient(t, h, { clientId: 'sub' });
  await sub.subscribeAsync('a/#', { qos: 0, properties: { subscriptionIdentifier: 7 } });
  await sub.subscribeAsync('a/+', { qos: 1, properties: { subscriptionIdentifier: 9 } });
  const got = collect(sub);
  const pub = await connectClient(t, h, { clientId: 'pub' });
  await pub.publishAsync('a/b', 'x', { qos: 1 });
  await sleep(100);
  assert.equal(got.length, 1);
  assert.equal(got[0]!.packet.qos, 1);
  assert.deepEqual([got[0]!.packet.properties?.subscriptionIdentifier].flat().sort(), [7, 9]);
});

test('no-local keeps a client from receiving its own messages', async (t) => {
  const h = await startBroker(t);
  const c = await connectClient(t, h, { clientId: 'self' });
  await c.subscribeAsync('loop', { qos: 0, nl: true });
  const got = collect(c);
  c.publish('loop', 'x');
  await sleep(100);
  assert.equal(got.length, 0);
});

test('unsubscribing stops delivery and 5.0 UNSUBACK says whether a subscription existed', async (t) => {
  const h = await startBroker(t);
  const c = await connectClient(t, h, { clientId: 'u' });
  await c.subscribeAsync('t');
  const ack = await c.unsubscribeAsync(['t', 'never']);
  assert.deepEqual((ack as { reasonCode?: number[] } | undefined)?.reasonCode ?? [0, 0x11], [0, 0x11]);
  const got = collect(c);
  c.publish('t', 'x');
  await sleep(100);
  assert.equal(got.length, 0);
});

test('user properties, response topic, correlation data and content type pass through to 5.0 subscribers', async (t) => {
  const h = await startBroker(t);
  const sub = await connectClient(t, h, { clientId: 'sub' });
  await sub.subscribeAsync('req');
  const pub = await connectClient(t, h, { clientId: 'pub' });
  const got = nextMessage(sub);
  pub.publish('req', '{}', {
    properties: {
      userProperties: { a: '1' },
      responseTopic: 'resp/1',
      correlationData: Buffer.from('c1'),
      contentType: 'application/json',
      payloadFormatIndicator: true,
    },
  });
  const { packet } = await got;
  assert.deepEqual({ ...packet.properties?.userProperties }, { a: '1' });
  assert.equal(packet.properties?.responseTopic, 'resp/1');
  assert.equal(packet.properties?.correlationData?.toString(), 'c1');
  assert.equal(packet.properties?.contentType, 'application/json');
  assert.equal(packet.properties?.payloadFormatIndicator, true);
});

test('stats count clients, subscriptions and messages', async (t) => {
  const h = await startBroker(t);
  const c = await connectClient(t, h, { clientId: 's' });
  await c.subscribeAsync('x');
  const got = nextMessage(c);
  c.publish('x', 'y');
  await got;
  const stats = h.broker.stats();
  assert.equal(stats.clients, 1);
  assert.equal(stats.subscriptions, 1);
  assert.equal(stats.messagesIn, 1);
  assert.equal(stats.messagesOut, 1);
  assert.ok(stats.bytesIn > 0 && stats.bytesOut > 0);
});

test('a QoS 0 PUBLISH goes out byte for byte to subscribers of its version, re-encoded for the other version, retain cleared', async (t) => {
  const h = await startBroker(t);
  const bytesOf = (raw: RawClient) => {
    const chunks: Buffer[] = [];
    raw.socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    return () => Buffer.concat(chunks);
  };
  const sub4 = await rawConnect(t, h, 4, 'sub4');
  const sub5 = await rawConnect(t, h, 5, 'sub5');
  await rawSubscribe(sub4, { 'fw/#': 0 });
  await rawSubscribe(sub5, { 'fw/#': 0 });
  const [got4, got5] = [bytesOf(sub4), bytesOf(sub5)];
  const pub4 = await rawConnect(t, h, 4, 'pub4');
  const pub5 = await rawConnect(t, h, 5, 'pub5');
  const publish = (topic: string, retain: boolean, version: 4 | 5) =>
    mqttPacket.generate({ cmd: 'publish', topic, payload: Buffer.from(`${topic} v${version}`), qos: 0, retain, dup: false }, { protocolVersion: version });

  pub4.send(publish('fw/a', false, 4));
  pub5.send(publish('fw/b', false, 5));
  pub4.send(publish('fw/r', true, 4));
  await sleep(150);
  const live = (topic: string, from: 4 | 5, to: 4 | 5) =>
    mqttPacket.generate({ cmd: 'publish', topic, payload: Buffer.from(`${topic} v${from}`), qos: 0, retain: false, dup: false }, { protocolVersion: to });
  assert.deepEqual(got4(), Buffer.concat([live('fw/a', 4, 4), live('fw/b', 5, 4), live('fw/r', 4, 4)]));
  assert.deepEqual(got5(), Buffer.concat([live('fw/a', 4, 5), live('fw/b', 5, 5), live('fw/r', 4, 5)]));
});

test('a 3.1.1 client that connected before a 5.0 client still subscribes, unsubscribes and completes QoS 2 afterwards', async (t) => {
  const h = await startBroker(t);
  const old = await rawConnect(t, h, 4, 'old');
  await rawConnect(t, h, 5, 'new');
  assert.deepEqual(await rawSubscribe(old, { 'mixed/#': 2 }), [2]);
  old.send({ cmd: 'publish', topic: 'mixed/a', payload: Buffer.from('x'), qos: 2, retain: false, dup: false, messageId: 7 });
  const received = [await old.next(), await old.next()].map((p) => p.cmd).sort();
  assert.deepEqual(received, ['publish', 'pubrec']);
  old.send({ cmd: 'pubrel', messageId: 7 });
  assert.equal((await old.next()).cmd, 'pubcomp');
  old.send({ cmd: 'unsubscribe', messageId: 8, unsubscriptions: ['mixed/#'] });
  assert.equal((await old.next()).cmd, 'unsuback');
});
