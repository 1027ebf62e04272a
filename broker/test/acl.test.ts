import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompiledAcl } from '../../schemas/index.js';
import { allow } from '../authorizers/static.js';
import { collect, connectClient, rawConnect, rawSubscribe, sleep, startBroker } from './helpers.js';

const acl: CompiledAcl = {
  rules: [
    { permission: 'allow', action: 'subscribe', topic: 'sensors/#', eq: false },
    { permission: 'allow', action: 'publish', topic: 'sensors/+/temp', eq: false, qos: [0, 1] },
  ],
  noMatch: 'deny',
};

test('SUBACK grants allowed filters and refuses denied ones with 0x87 on 5.0', async (t) => {
  const h = await startBroker(t, allow(acl));
  const raw = await rawConnect(t, h, 5, 'd');
  assert.deepEqual(await rawSubscribe(raw, { 'sensors/a/temp': 1, 'admin/#': 0 }), [1, 0x87]);
});

test('SUBACK refuses denied filters with 0x80 on 3.1.1', async (t) => {
  const h = await startBroker(t, allow(acl));
  const raw = await rawConnect(t, h, 4, 'd');
  assert.deepEqual(await rawSubscribe(raw, { 'admin/#': 0, 'sensors/#': 0 }), [0x80, 0]);
});

test('a shared subscription is checked against the ACL with its inner filter', async (t) => {
  const h = await startBroker(t, allow(acl));
  const raw = await rawConnect(t, h, 5, 'd');
  assert.deepEqual(await rawSubscribe(raw, { '$share/g/sensors/#': 0, '$share/g/admin/#': 0 }), [0, 0x87]);
});

test('a denied 5.0 QoS 1 PUBLISH gets PUBACK 0x87 and is not routed', async (t) => {
  const h = await startBroker(t, allow(acl));
  const sub = await connectClient(t, h, { clientId: 'sub' });
  await sub.subscribeAsync('sensors/#');
  const got = collect(sub);
  const pub = await connectClient(t, h, { clientId: 'pub' });
  await assert.rejects(pub.publishAsync('sensors/a/humidity', 'x', { qos: 1 }), /Not authorized/);
  await pub.publishAsync('sensors/a/temp', 'ok', { qos: 1 });
  await sleep(100);
  assert.deepEqual(got.map((m) => m.topic), ['sensors/a/temp']);
});

test('a denied 3.1.1 QoS 1 PUBLISH is acknowledged normally but not routed, and QoS 0 is dropped', async (t) => {
  const h = await startBroker(t, allow(acl));
  const sub = await connectClient(t, h, { clientId: 'sub' });
  await sub.subscribeAsync('sensors/#');
  const got = collect(sub);
  const pub = await connectClient(t, h, { clientId: 'pub', protocolVersion: 4 });
  await pub.publishAsync('sensors/a/humidity', 'x', { qos: 1 });
  pub.publish('sensors/b/humidity', 'y');
  await pub.publishAsync('sensors/a/temp', 'ok', { qos: 1 });
  await sleep(100);
  assert.deepEqual(got.map((m) => m.topic), ['sensors/a/temp']);
  assert.equal(pub.connected, true);
});

test('the ACL QoS condition applies: QoS 2 to a topic allowed only at QoS 0/1 is refused', async (t) => {
  const h = await startBroker(t, allow(acl));
  const pub = await connectClient(t, h, { clientId: 'pub' });
  await assert.rejects(pub.publishAsync('sensors/a/temp', 'x', { qos: 2 }), /Not authorized/);
});

test('nobody, not even a superuser, publishes to $SYS topics', async (t) => {
  const h = await startBroker(t, allow(acl, { superuser: true }));
  const pub = await connectClient(t, h, { clientId: 'root' });
  await assert.rejects(pub.publishAsync('$SYS/broker/uptime', 'x', { qos: 1 }), /Not authorized/);
});

test('a superuser bypasses the ACL', async (t) => {
  const h = await startBroker(t, allow({ rules: [], noMatch: 'deny' }, { superuser: true }));
  const c = await connectClient(t, h, { clientId: 'root' });
  const granted = await c.subscribeAsync('anything/#');
  assert.equal(granted[0]!.qos, 0);
  await c.publishAsync('anything/x', 'y', { qos: 1 });
});

test('broker.publish reaches $SYS subscribers and bypasses client ACLs', async (t) => {
  const h = await startBroker(t, allow({ rules: [{ permission: 'allow', action: 'subscribe', topic: '$SYS/#', eq: false }], noMatch: 'deny' }));
  const c = await connectClient(t, h, { clientId: 'mon' });
  await c.subscribeAsync('$SYS/#');
  const got = collect(c);
  h.broker.publish('$SYS/broker/clients', Buffer.from('1'), { retain: true });
  await sleep(50);
  assert.deepEqual(got.map((m) => [m.topic, m.payload]), [['$SYS/broker/clients', '1']]);
  assert.equal(h.broker.stats().retained, 1);
});

test('a # subscription does not receive $SYS messages [MQTT-4.7.2-1]', async (t) => {
  const h = await startBroker(t);
  const c = await connectClient(t, h, { clientId: 'all' });
  await c.subscribeAsync('#');
  const got = collect(c);
  h.broker.publish('$SYS/x', Buffer.from('1'));
  await sleep(50);
  assert.equal(got.length, 0);
});

test('an invalid filter gets SUBACK 0x8F on 5.0', async (t) => {
  const h = await startBroker(t);
  const raw = await rawConnect(t, h, 5, 'x');
  assert.deepEqual(await rawSubscribe(raw, { '$share/g+/a': 0, 'a/#/b': 0, ok: 0 }), [0x8f, 0x8f, 0]);
});

test('subscriptions beyond the per-session quota are refused with 0x97 on 5.0, replacing one still works', async (t) => {
  const h = await startBroker(t, undefined, { limits: { maxSubscriptionsPerSession: 2 } });
  const raw = await rawConnect(t, h, 5, 'greedy');
  assert.deepEqual(await rawSubscribe(raw, { a: 0, b: 0, c: 0 }), [0, 0, 0x97]);
  assert.deepEqual(await rawSubscribe(raw, { a: 1 }, 2), [1]);
});

test('broker.publish refuses a topic name with wildcards', async (t) => {
  const h = await startBroker(t);
  assert.throws(() => h.broker.publish('$SYS/#', Buffer.from('x')), TypeError);
});
