/**
 * A broker restarted on the same store file (`broker.db`) gives back what it acknowledged: the
 * sessions with their subscriptions and options, queued and in-flight QoS 1/2 messages with their
 * packet ids and state, retained messages with their 5.0 properties, delayed wills; it drops what
 * expired while it was down and holds what it loaded to today's rights. In one process, with a
 * graceful close between the two brokers (the kill -9 cases are in `durability-kill.test.ts`).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type IClientOptions } from 'mqtt';
import { allow, deny, type StaticDecision } from '../authorizers/static.js';
import type { BrokerRefusal } from '../../schemas/index.js';
import type { BrokerLimits } from '../limits.js';
import { SqliteStore, STORE_FILE } from '../persistence/index.js';
import { collect, connectClient, nextMessage, rawConnect, sleep, startBroker, type Harness } from './helpers.js';

function storeDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'arra-durability-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function brokerOn(t: TestContext, dir: string, decision?: StaticDecision, maxBytes = 64 * 1024 * 1024, limits: Partial<BrokerLimits> = {}): Promise<Harness> {
  const store = new SqliteStore({ path: join(dir, STORE_FILE), durability: 'fsync', maxBytes, onError: () => {} });
  return startBroker(t, decision, { store, limits });
}

function rows(dir: string, table: string): number {
  const db = new Database(join(dir, STORE_FILE), { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** Connects with a collector in place before CONNACK: what a resumed session holds comes right after it. */
async function resume(t: TestContext, h: Harness, options: IClientOptions) {
  const client = mqtt.connect(h.url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
  t.after(() => new Promise<void>((resolve) => client.end(true, {}, () => resolve())));
  const got = collect(client);
  const connack = await new Promise<mqtt.IConnackPacket>((resolve, reject) => client.once('connect', resolve).once('error', reject));
  return { client, got, connack };
}

const persistent = { protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 3600 } };

/** A persistent session subscribed to `filter` at QoS 1, its client gone: what matches is queued for it. */
async function awaySubscriber(t: TestContext, h: Harness, clientId: string, filter: string, extra: IClientOptions = {}): Promise<void> {
  const sub = await connectClient(t, h, { ...persistent, clientId, ...extra });
  await sub.subscribeAsync(filter, { qos: 1 });
  await sub.endAsync();
}

test('a persistent session, its queued QoS 1 and QoS 2 messages and a retained message with 5.0 properties survive a restart', async (t) => {
  const dir = storeDir(t);
  const first = await brokerOn(t, dir);
  const sub = await connectClient(t, first, { ...persistent, clientId: 'keeper' });
  await sub.subscribeAsync('d/#', { qos: 2, nl: true, properties: { subscriptionIdentifier: 5 } });
  await sub.endAsync();
  const pub = await connectClient(t, first, { clientId: 'pub' });
  await pub.publishAsync('d/1', 'one', { qos: 1 });
  await pub.publishAsync('d/2', 'two', { qos: 2 });
  const properties = { contentType: 'text/plain', userProperties: { site: 'north' }, messageExpiryInterval: 600, correlationData: Buffer.from('c1') };
  await pub.publishAsync('r/state', 'on', { qos: 1, retain: true, properties });
  await first.broker.close();

  const second = await brokerOn(t, dir);
  assert.deepEqual({ sessions: second.broker.stats().sessions, retained: second.broker.stats().retained }, { sessions: 1, retained: 1 });
  const { client: again, got, connack } = await resume(t, second, { ...persistent, clientId: 'keeper' });
  assert.equal(connack.sessionPresent, true);
  await sleep(300);
  assert.deepEqual(got.map((m) => [m.topic, m.payload, m.packet.qos, m.packet.properties?.subscriptionIdentifier]), [
    ['d/1', 'one', 1, 5],
    ['d/2', 'two', 2, 5],
  ]);
  const fresh = await connectClient(t, second, { clientId: 'late' });
  const retained = nextMessage(fresh);
  await fresh.subscribeAsync('r/#');
  const message = await retained;
  assert.equal(message.payload.toString(), 'on');
  assert.equal(message.packet.retain, true);
  assert.equal(message.packet.properties?.contentType, 'text/plain');
  assert.deepEqual({ ...message.packet.properties?.userProperties }, { site: 'north' });
  assert.deepEqual(message.packet.properties?.correlationData, Buffer.from('c1'));
  const expiry = message.packet.properties?.messageExpiryInterval ?? 0;
  assert.ok(expiry > 590 && expiry <= 600, `expiry counted on: ${expiry}`);
  // No Local survived: the session's own publish does not come back to it.
  await again.publishAsync('d/own', 'mine', { qos: 1 });
  await sleep(200);
  assert.equal(got.length, 2);
});

test('a QoS 2 delivery whose PUBREL was sent resumes with PUBREL, not the PUBLISH again, after a restart', async (t) => {
  const dir = storeDir(t);
  const first = await brokerOn(t, dir);
  const connect = { clean: false, properties: { sessionExpiryInterval: 600 } };
  const sub = await rawConnect(t, first, 5, 'q2', connect);
  sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'q/#', qos: 2 }] });
  assert.equal((await sub.next()).cmd, 'suback');
  const pub = await connectClient(t, first, { clientId: 'pub' });
  await pub.publishAsync('q/1', 'once', { qos: 2 });
  const publish = await sub.next();
  assert.equal(publish.cmd, 'publish');
  const packetId = (publish as { messageId: number }).messageId;
  sub.send({ cmd: 'pubrec', messageId: packetId });
  const pubrel = await sub.next();
  assert.deepEqual([pubrel.cmd, (pubrel as { messageId: number }).messageId], ['pubrel', packetId]);
  await first.broker.close();

  const second = await brokerOn(t, dir);
  const back = await rawConnect(t, second, 5, 'q2', connect);
  const resent = await back.next();
  assert.equal(resent.cmd, 'pubrel', 'the PUBLISH is not sent again: the client may have delivered it');
  assert.equal((resent as { messageId: number }).messageId, packetId);
  back.send({ cmd: 'pubcomp', messageId: packetId });
  await sleep(100);
  assert.equal(rows(dir, 'deliveries'), 0);
});

test('a QoS 2 id acknowledged with PUBREC is still known after a restart: the resent PUBLISH is not routed twice', async (t) => {
  const dir = storeDir(t);
  const first = await brokerOn(t, dir);
  await awaySubscriber(t, first, 'listener', 'x/#');
  const connect = { clean: false, properties: { sessionExpiryInterval: 600 } };
  const pub = await rawConnect(t, first, 5, 'q2-pub', connect);
  pub.send({ cmd: 'publish', topic: 'x/1', payload: Buffer.from('exactly once'), qos: 2, messageId: 7, retain: false, dup: false });
  assert.equal((await pub.next()).cmd, 'pubrec');
  await first.broker.close();

  const second = await brokerOn(t, dir);
  const again = await rawConnect(t, second, 5, 'q2-pub', connect);
  again.send({ cmd: 'publish', topic: 'x/1', payload: Buffer.from('exactly once'), qos: 2, messageId: 7, retain: false, dup: true });
  assert.equal((await again.next()).cmd, 'pubrec');
  again.send({ cmd: 'pubrel', messageId: 7 });
  const pubcomp = await again.next();
  assert.deepEqual([pubcomp.cmd, (pubcomp as { reasonCode?: number }).reasonCode], ['pubcomp', 0]);
  const { got } = await resume(t, second, { ...persistent, clientId: 'listener' });
  await sleep(300);
  assert.deepEqual(got.map((m) => m.payload), ['exactly once']);
});

test('a session that expired while the broker was down is gone after the restart, with its messages', async (t) => {
  const dir = storeDir(t);
  const first = await brokerOn(t, dir);
  const sub = await connectClient(t, first, { protocolVersion: 5, clean: false, clientId: 'brief', properties: { sessionExpiryInterval: 1 } });
  await sub.subscribeAsync('e/#', { qos: 1 });
  await sub.endAsync();
  const pub = await connectClient(t, first, { clientId: 'pub' });
  await pub.publishAsync('e/1', 'late', { qos: 1 });
  await first.broker.close();
  assert.equal(rows(dir, 'sessions'), 1);
  await sleep(1500);

  const second = await brokerOn(t, dir);
  assert.equal(second.broker.stats().sessions, 0);
  assert.equal(second.broker.stats().queuedBytes, 0);
  await sleep(100);
  assert.deepEqual([rows(dir, 'sessions'), rows(dir, 'deliveries')], [0, 0]);
  const { connack } = await resume(t, second, { protocolVersion: 5, clean: false, clientId: 'brief', properties: { sessionExpiryInterval: 1 } });
  assert.equal(connack.sessionPresent, false);
});

test('a delayed will that had not fired is published after the restart, once its delay is over', async (t) => {
  const dir = storeDir(t);
  const first = await brokerOn(t, dir);
  const will = { topic: 'wills/dev', payload: Buffer.from('gone'), qos: 1 as const, retain: false, properties: { willDelayInterval: 1 } };
  await connectClient(t, first, { protocolVersion: 5, clean: false, clientId: 'mortal', properties: { sessionExpiryInterval: 60 }, will });
  await first.broker.close(); // the server ends the connection: the will waits for its delay
  assert.equal(rows(dir, 'sessions'), 1);

  const second = await brokerOn(t, dir);
  const watcher = await connectClient(t, second, { clientId: 'watcher' });
  const got = nextMessage(watcher, 4000);
  await watcher.subscribeAsync('wills/#', { qos: 1 });
  assert.equal((await got).payload.toString(), 'gone');
});

test('at start-up a stored session is held to today\'s rights before anything is delivered: a removed identity\'s session is discarded', async (t) => {
  const dir = storeDir(t);
  const device = allow(undefined, { deviceId: 'dev-9', incarnation: '1', credential: { kind: 'password' } });
  const first = await brokerOn(t, dir, device);
  await awaySubscriber(t, first, 'dev-9', 's/#', { username: 'dev-9', password: 'pw' });
  await first.broker.close();

  const second = await brokerOn(t, dir, deny('unknown_device'));
  await second.broker.restored;
  assert.equal(second.broker.stats().sessions, 0);
  assert.equal(second.broker.stats().subscriptions, 0);
});

test('a queue stored under a larger message limit is held to today\'s at start-up: the oldest are dropped, counted and deleted', async (t) => {
  const dir = storeDir(t);
  const first = await brokerOn(t, dir);
  await awaySubscriber(t, first, 'backlog', 'b/#');
  const pub = await connectClient(t, first, { clientId: 'pub' });
  for (let i = 0; i < 10; i++) await pub.publishAsync('b/n', String(i), { qos: 1 });
  await first.broker.close();
  assert.equal(rows(dir, 'deliveries'), 10);

  const second = await brokerOn(t, dir, undefined, undefined, { maxQueuedPerSession: 4 });
  assert.equal(second.broker.stats().droppedMessages, 6);
  await sleep(100);
  assert.equal(rows(dir, 'deliveries'), 4, 'the dropped ones leave the store');
  const { got } = await resume(t, second, { ...persistent, clientId: 'backlog' });
  await sleep(300);
  assert.deepEqual(got.map((m) => m.payload), ['6', '7', '8', '9'], 'the newest kept, as a queue drops at run time');
});

test('a retained message that expires while the broker runs leaves the store then, not at the next start', async (t) => {
  const dir = storeDir(t);
  const h = await brokerOn(t, dir);
  const pub = await connectClient(t, h, { clientId: 'pub' });
  await pub.publishAsync('r/brief', 'soon gone', { qos: 1, retain: true, properties: { messageExpiryInterval: 1 } });
  await pub.publishAsync('r/lasting', 'stays', { qos: 1, retain: true });
  assert.equal(rows(dir, 'retained'), 2);
  for (let i = 0; i < 40 && rows(dir, 'retained') > 1; i++) await sleep(100);
  assert.equal(rows(dir, 'retained'), 1, 'deleted within a few ticks of its expiry, with no SUBSCRIBE touching it');
  assert.equal(h.broker.stats().retained, 1);
});

test('a message fanned out to many persistent sessions is stored once: a bounded store keeps them all, and each session gets them after a restart', async (t) => {
  const dir = storeDir(t);
  // 20 sessions x 20 messages of 4 KiB: 1.6 MiB if each session kept a copy, 80 KiB stored once.
  const first = await brokerOn(t, dir, undefined, 1024 * 1024);
  const sessions = Array.from({ length: 20 }, (_, i) => `fan-${i}`);
  for (const clientId of sessions) await awaySubscriber(t, first, clientId, 'fan/#');
  const pub = await rawConnect(t, first, 5, 'pub');
  for (let id = 1; id <= 20; id++) {
    pub.send({ cmd: 'publish', topic: `fan/${id}`, payload: Buffer.alloc(4096, id), qos: 1, messageId: id, retain: false, dup: false });
    const ack = await pub.next(5000);
    assert.deepEqual([ack.cmd, (ack as { reasonCode?: number }).reasonCode], ['puback', 0], `message ${id} stored`);
  }
  await first.broker.close();
  assert.deepEqual([rows(dir, 'messages'), rows(dir, 'deliveries')], [20, 400]);

  const second = await brokerOn(t, dir, undefined, 1024 * 1024);
  for (const clientId of sessions.slice(0, 19)) {
    const { got } = await resume(t, second, { ...persistent, clientId });
    for (let i = 0; i < 50 && got.length < 20; i++) await sleep(50);
    assert.equal(got.length, 20, clientId);
  }
  await sleep(200);
  assert.deepEqual([rows(dir, 'messages'), rows(dir, 'deliveries')], [20, 20], 'kept while one session still holds them');
  const { got } = await resume(t, second, { ...persistent, clientId: 'fan-19' });
  for (let i = 0; i < 50 && got.length < 20; i++) await sleep(50);
  await sleep(200);
  assert.deepEqual([rows(dir, 'messages'), rows(dir, 'deliveries')], [0, 0], 'gone with the last acknowledgement');
});

test('a QoS 0 message is never stored; a QoS 1 message the full store cannot keep is refused with 0x97, not acknowledged, and recorded', async (t) => {
  const dir = storeDir(t);
  const h = await brokerOn(t, dir, undefined, 128 * 1024);
  const refusals: BrokerRefusal[] = [];
  h.authorizer.refused = (refusal) => refusals.push(refusal);
  await awaySubscriber(t, h, 'far', 'big/#');
  const pub = await rawConnect(t, h, 5, 'pub');
  for (let id = 1; id <= 5; id++) pub.send({ cmd: 'publish', topic: 'big/zero', payload: Buffer.alloc(1000), qos: 0, messageId: id, retain: false, dup: false });
  await sleep(100);
  assert.equal(rows(dir, 'deliveries'), 0, 'QoS 0 is not kept for the offline session');
  pub.send({ cmd: 'publish', topic: 'big/one', payload: Buffer.alloc(200 * 1024), qos: 1, messageId: 9, retain: false, dup: false });
  const ack = await pub.next();
  assert.deepEqual([ack.cmd, (ack as { reasonCode?: number }).reasonCode], ['puback', 0x97]);
  pub.send({ cmd: 'publish', topic: 'big/small', payload: Buffer.from('fits'), qos: 1, messageId: 10, retain: false, dup: false });
  const small = await pub.next();
  assert.deepEqual([small.cmd, (small as { reasonCode?: number }).reasonCode], ['puback', 0]);
  const legacy = await rawConnect(t, h, 4, 'legacy');
  legacy.send({ cmd: 'publish', topic: 'big/two', payload: Buffer.alloc(200 * 1024), qos: 1, messageId: 3, retain: false, dup: false });
  await legacy.closed; // 3.1.1 has no negative PUBACK: closed unacknowledged, the client sends it again
  assert.equal(legacy.packets.length, 0);
  assert.deepEqual(refusals.map((r) => [r.clientId, r.action, r.topic, r.reason]), [['pub', 'publish', 'big/one', 'quota_exceeded'], ['legacy', 'publish', 'big/two', 'quota_exceeded']]);
  assert.match(refusals[0]!.message, /store is full/);
});

test('QoS 0 traffic and clean sessions never commit to the store: the durable broker costs them nothing', async (t) => {
  const dir = storeDir(t);
  const h = await brokerOn(t, dir);
  const sub = await connectClient(t, h, { clientId: 'clean-sub' });
  await sub.subscribeAsync('fan/#', { qos: 1 });
  const got = collect(sub);
  const pub = await rawConnect(t, h, 4, 'clean-pub');
  for (let id = 1; id <= 2000; id++) pub.send({ cmd: 'publish', topic: `fan/${id % 4}`, payload: Buffer.from(String(id)), qos: 0, messageId: id, retain: false, dup: false });
  await quietFor(got, 2000);
  assert.equal(got.length, 2000);
  assert.equal(rows(dir, 'meta'), 0, 'no commit was ever made');
});

async function quietFor(got: unknown[], expected: number): Promise<void> {
  for (let i = 0; i < 50 && got.length < expected; i++) await sleep(100);
}
