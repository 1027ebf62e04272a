import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collect, connectClient, nextMessage, run, sleep, startBroker } from './helpers.js';

test('a retained message is sent with the retain flag to a later subscriber, replaced by a newer one, and cleared by an empty payload', async (t) => {
  const h = await startBroker(t);
  const pub = await connectClient(t, h, { clientId: 'pub', protocolVersion: 4 });
  await pub.publishAsync('state/a', 'v1', { qos: 1, retain: true });
  await pub.publishAsync('state/a', 'v2', { qos: 1, retain: true });
  const first = await connectClient(t, h, { clientId: 's1' });
  const got = nextMessage(first);
  await first.subscribeAsync('state/#');
  const msg = await got;
  assert.equal(msg.payload.toString(), 'v2');
  assert.equal(msg.packet.retain, true);
  await pub.publishAsync('state/a', '', { qos: 1, retain: true });
  assert.equal(h.broker.stats().retained, 0);
  const second = await connectClient(t, h, { clientId: 's2' });
  const none = collect(second);
  await second.subscribeAsync('state/#');
  await sleep(100);
  assert.equal(none.length, 0);
});

test('a live message to a subscriber has retain cleared unless retain-as-published is set', async (t) => {
  const h = await startBroker(t);
  const plain = await connectClient(t, h, { clientId: 'plain' });
  const rap = await connectClient(t, h, { clientId: 'rap' });
  await plain.subscribeAsync('live');
  await rap.subscribeAsync('live', { qos: 0, rap: true });
  const a = nextMessage(plain);
  const b = nextMessage(rap);
  plain.publish('live', 'x', { retain: true });
  assert.equal((await a).packet.retain, false);
  assert.equal((await b).packet.retain, true);
});

test('retain handling 1 sends retained messages only for a new subscription, 2 never', async (t) => {
  const h = await startBroker(t);
  const pub = await connectClient(t, h, { clientId: 'pub' });
  await pub.publishAsync('r/x', 'kept', { qos: 1, retain: true });
  const c = await connectClient(t, h, { clientId: 'c' });
  const got = collect(c);
  await c.subscribeAsync('r/#', { qos: 0, rh: 1 });
  await c.subscribeAsync('r/#', { qos: 0, rh: 1 });
  await c.subscribeAsync('r/+', { qos: 0, rh: 2 });
  await sleep(100);
  assert.equal(got.length, 1);
  await c.subscribeAsync('r/#', { qos: 0, rh: 0 });
  await sleep(100);
  assert.equal(got.length, 2);
});

test('a retained message is delivered to mosquitto_sub (3.1.1 and 5.0 command line clients)', async (t) => {
  const h = await startBroker(t);
  const pub = await connectClient(t, h, { clientId: 'pub' });
  await pub.publishAsync('cli/t', 'hello', { qos: 1, retain: true });
  for (const version of ['mqttv311', 'mqttv5']) {
    const out = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(h.port), '-V', version, '-t', 'cli/#', '-C', '1', '-W', '3']);
    assert.equal(out.trim(), 'hello');
  }
});

test('mosquitto_pub publishes at QoS 0, 1 and 2 to an mqtt.js subscriber', async (t) => {
  const h = await startBroker(t);
  const sub = await connectClient(t, h, { clientId: 'sub' });
  await sub.subscribeAsync('cli/in', { qos: 2 });
  const got = collect(sub);
  for (const qos of ['0', '1', '2']) {
    await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(h.port), '-V', 'mqttv5', '-q', qos, '-t', 'cli/in', '-m', `q${qos}`]);
  }
  await sleep(100);
  assert.deepEqual(got.map((m) => m.payload), ['q0', 'q1', 'q2']);
});

test('an expired retained message is not sent to an exact-topic subscriber', async (t) => {
  const h = await startBroker(t);
  h.broker.publish('exact/t', Buffer.from('x'), { retain: true });
  const pub = await connectClient(t, h, { clientId: 'pub' });
  await pub.publishAsync('exact/old', 'o', { qos: 1, retain: true, properties: { messageExpiryInterval: 1 } });
  await sleep(1100);
  const sub = await connectClient(t, h, { clientId: 'sub' });
  const got = collect(sub);
  await sub.subscribeAsync(['exact/t', 'exact/old', 'exact/none']);
  await sleep(100);
  assert.deepEqual(got.map((m) => m.topic), ['exact/t']);
  assert.equal(h.broker.stats().retained, 1);
});
