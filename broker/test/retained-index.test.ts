/**
 * The retained-message index: a trie that answers a SUBSCRIBE with exactly what the reference
 * matcher (`topicMatches`, which the scan used) finds, for wildcards, `$` topics and empty levels;
 * shared subscriptions get no retained messages; the byte bounds hold per client and overall.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { topicMatches } from '../../rules/index.js';
import { resolveLimits } from '../limits.js';
import { messageBytes, type Message } from '../routing/message.js';
import { RetainedStore } from '../routing/retained.js';
import { collect, connectClient, nextMessage, sleep, startBroker } from './helpers.js';

const message = (topic: string, payload = 'x', extra: Partial<Message> = {}): Message => ({ topic, payload: Buffer.from(payload), qos: 0, retain: true, ...extra });
const roomy = () => new RetainedStore(resolveLimits());

const TOPICS = [
  'a', 'a/b', 'a/b/c', 'a/b/c/d', 'a/x/c', 'a//c', '/a', '/', 'a/', 'b/b', 'b', 'a/b/d',
  '$SYS/broker/clients', '$SYS/x', '$other', 'dev/1/state', 'dev/2/state', 'dev/2/other', 'dev/3/state/deep',
];
const FILTERS = [
  '#', '+', '+/+', '+/#', 'a/#', 'a/+', 'a/+/c', 'a/b/#', 'a/b/c/#', '+/b/+', '/+', '+/', '/#', 'a//c', 'a/+/+/+',
  '$SYS/#', '$SYS/+', '$SYS/broker/clients', '+/broker/#', '$other', '$other/#', 'dev/+/state', 'dev/+/state/#', 'dev/#',
  'nothing/#', 'nothing/+/x', 'a/b/c/d/e', 'a/b/c/d/#',
];

test('the index matches exactly what the reference matcher matches, for every filter', () => {
  const store = roomy();
  for (const topic of TOPICS) assert.equal(store.set(message(topic)), true);
  for (const filter of FILTERS) {
    const found = store.matching(filter, Date.now()).map((m) => m.topic).sort();
    const expected = TOPICS.filter((topic) => topicMatches(filter, topic)).sort();
    assert.deepEqual(found, expected, `filter ${filter}`);
  }
});

test('the index stays exact under random topics and filters (fixed seed)', () => {
  let seed = 42;
  const random = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  const words = ['a', 'b', 'c', '', '$s'];
  const topic = () => Array.from({ length: 1 + random(4) }, (_, i) => words[random(i === 0 ? 5 : 4)]!).join('/');
  const topics = [...new Set(Array.from({ length: 300 }, topic))].filter((t) => t.length > 0);
  const store = roomy();
  for (const t of topics) store.set(message(t));
  for (let i = 0; i < 500; i++) {
    const levels = topic().split('/').map((l) => (random(3) === 0 ? '+' : l));
    if (random(3) === 0) levels.push('#');
    const filter = levels.join('/');
    const found = store.matching(filter, Date.now()).map((m) => m.topic).sort();
    assert.deepEqual(found, topics.filter((t) => topicMatches(filter, t)).sort(), `filter ${filter}`);
  }
});

test('clearing and replacing keep the index, the count and the bytes exact, and expired messages go', () => {
  const store = roomy();
  store.set(message('a/b', 'one'));
  store.set(message('a/b', 'three'));
  store.set(message('a/b/c', 'x'));
  assert.equal(store.size, 2);
  assert.equal(store.bytes, messageBytes(message('a/b', 'three')) + messageBytes(message('a/b/c', 'x')));
  store.set(message('a/b', ''));
  assert.deepEqual(store.matching('#', Date.now()).map((m) => m.topic), ['a/b/c']);
  store.set(message('a/b/c', ''));
  assert.deepEqual({ size: store.size, bytes: store.bytes, all: store.matching('#', Date.now()) }, { size: 0, bytes: 0, all: [] });
  store.set(message('gone', 'x', { expiresAt: Date.now() - 1 }));
  assert.deepEqual(store.matching('+', Date.now()), []);
  assert.equal(store.size, 0);
});

test('retained bytes are bounded per client and overall; the broker\'s own messages only count overall', () => {
  const payload = 'p'.repeat(1000);
  const cost = messageBytes(message('t/0', payload, { origin: 'a' }));
  const store = new RetainedStore({ maxRetained: 1000, maxRetainedBytesPerClient: cost * 3, maxRetainedBytes: cost * 5 + 100 });
  for (let i = 0; i < 3; i++) assert.equal(store.set(message(`t/${i}`, payload, { origin: 'a' })), true);
  assert.equal(store.set(message('t/3', payload, { origin: 'a' })), false, 'client a is at its budget');
  assert.equal(store.set(message('t/0', payload, { origin: 'a' })), true, 'replacing its own message costs nothing more');
  assert.equal(store.set(message('u/0', payload, { origin: 'b' })), true);
  assert.equal(store.set(message('u/1', payload, { origin: 'b' })), true);
  assert.equal(store.set(message('u/2', payload, { origin: 'b' })), false, 'the store is at its overall budget');
  assert.equal(store.set(message('t/1', '', { origin: 'a' })), true);
  assert.equal(store.set(message('$SYS/x', payload)), true);
});

test('a shared subscription gets no retained messages; a plain one on the same filter does', async (t) => {
  const h = await startBroker(t);
  const pub = await connectClient(t, h, { clientId: 'pub' });
  await pub.publishAsync('room/1/temp', '21', { qos: 1, retain: true });
  const shared = await connectClient(t, h, { clientId: 'shared' });
  const got = collect(shared);
  await shared.subscribeAsync('$share/g/room/#');
  const plain = await connectClient(t, h, { clientId: 'plain' });
  const next = nextMessage(plain);
  await plain.subscribeAsync('room/+/temp');
  assert.equal((await next).payload.toString(), '21');
  await sleep(100);
  assert.equal(got.length, 0);
});

test('a wildcard SUBSCRIBE beside 20,000 retained messages it does not match costs a lookup, not a scan', () => {
  const store = roomy();
  for (let i = 0; i < 20_000; i++) store.set(message(`fleet/${i}/state`));
  const started = performance.now();
  for (let i = 0; i < 300; i++) assert.equal(store.matching(`other/${i}/#`, Date.now()).length, 0);
  const ms = performance.now() - started;
  // The scan took about 2.6 s for these 300 SUBSCRIBEs with 20,000 messages; a generous bound.
  assert.ok(ms < 200, `300 non-matching SUBSCRIBEs took ${ms.toFixed(1)} ms`);
});

test('a sweep drops exactly the expired messages, soonest first and at most the bound, through replaces and clears (fixed seed)', () => {
  let seed = 7;
  const random = (n: number) => (((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >>> 8) % n);
  const dropped: string[] = [];
  const store = new RetainedStore(resolveLimits(), (m) => dropped.push(m.topic));
  const live = new Map<string, number | undefined>();
  for (let i = 0; i < 3000; i++) {
    const topic = `t/${random(400)}`;
    if (random(10) === 0) {
      store.set(message(topic, ''));
      live.delete(topic);
      continue;
    }
    const expiresAt = random(4) === 0 ? undefined : 1000 + random(1000);
    store.set(message(topic, 'x', { expiresAt }));
    live.set(topic, expiresAt);
  }
  const due = [...live].filter(([, at]) => at !== undefined && at <= 1500).sort((a, b) => a[1]! - b[1]!);
  assert.ok(due.length > 50, `enough expire in the window (${due.length})`);
  assert.equal(store.sweepExpired(1500, 50), 50, 'no more than the bound');
  assert.deepEqual(dropped.map((topic) => live.get(topic)), due.slice(0, 50).map(([, at]) => at), 'soonest first');
  assert.equal(store.sweepExpired(1500, 100_000), due.length - 50);
  assert.deepEqual(dropped.sort(), due.map(([topic]) => topic).sort());
  assert.equal(store.size, live.size - due.length);
  const left = store.matching('#', 0).map((m) => m.topic).sort();
  assert.deepEqual(left, [...live.keys()].filter((topic) => !dropped.includes(topic)).sort());
});
