import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore, STORE_FILE, openBrokerStore, type SessionRecord } from '../persistence/index.js';
import type { Message } from '../routing/message.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'arra-broker-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function open(t: TestContext, dir: string, options: { maxBytes?: number; durability?: 'fsync' | 'os'; errors?: unknown[] } = {}): SqliteStore {
  const store = new SqliteStore({
    path: join(dir, STORE_FILE),
    durability: options.durability ?? 'fsync',
    maxBytes: options.maxBytes ?? 64 * 1024 * 1024,
    onError: (err) => options.errors?.push(err),
  });
  t.after(() => {
    try {
      store.close();
    } catch {
      // closed by the test already
    }
  });
  return store;
}

const committed = (store: SqliteStore) => new Promise<boolean>((resolve) => store.afterCommit(resolve));

const message = (topic: string, payload: string, extra: Partial<Message> = {}): Message => ({ topic, payload: Buffer.from(payload), qos: 1, retain: false, ...extra });

function sessionRecord(clientId: string, extra: Partial<SessionRecord> = {}): SessionRecord {
  return {
    clientId,
    owner: `device:${clientId}#3`,
    identity: { deviceId: clientId, incarnation: '3', clientId },
    rights: { superuser: false, acl: { rules: [{ permission: 'allow', action: 'all', topic: 'a/#', eq: false }], noMatch: 'deny' } },
    expiryInterval: 3600,
    expiresAt: null,
    will: null,
    subscriptions: [{ key: 'a/+', qos: 2, nl: true, rap: true, rh: 1, id: 7 }],
    incomingQos2: [12],
    revoked: [],
    ...extra,
  };
}

test('retained messages, sessions and deliveries written in one turn are found by a new store on the same file', async (t) => {
  const dir = tempDir(t);
  const store = open(t, dir);
  const props = { contentType: 'text/plain', correlationData: Buffer.from([0, 1, 255]), userProperties: { k: ['v1', 'v2'] }, payloadFormatIndicator: true };
  store.saveRetained(message('state/a', 'on', { retain: true, properties: props, expiresAt: Date.now() + 60_000, origin: 'dev-1', owner: 'device:dev-1#3' }));
  const will = { message: message('will/x', 'gone', { qos: 0 }), expirySeconds: 30, delaySeconds: 10, publishAt: 1234, identity: { deviceId: 'dev-1', incarnation: '3', clientId: 'c1' } };
  store.saveSession('c1', () => sessionRecord('c1', { will }));
  const first = store.nextSeq();
  store.addDelivery({ seq: first, clientId: 'c1', message: message('a/1', 'one', { qos: 2 }), qos: 1, retain: false, subIds: [7], packetId: null, state: 'publish' });
  const second = store.nextSeq();
  store.addDelivery({ seq: second, clientId: 'c1', message: message('a/2', 'two', { qos: 2 }), qos: 2, retain: true, subIds: undefined, packetId: null, state: 'publish' });
  store.setDeliveryState(second, 9, 'pubrel');
  assert.equal(await committed(store), true);
  store.close();

  const state = open(t, dir).load(Date.now());
  assert.equal(state.retained.length, 1);
  assert.deepEqual(state.retained[0]!.properties, props);
  assert.equal(state.retained[0]!.origin, 'dev-1');
  assert.equal(state.retained[0]!.owner, 'device:dev-1#3', 'its budget stays with the identity that retained it');
  assert.deepEqual(state.sessions, [sessionRecord('c1', { will })]);
  assert.deepEqual(
    state.deliveries.map((d) => [d.seq, d.clientId, d.message.topic, d.message.payload.toString(), d.message.qos, d.qos, d.retain, d.subIds, d.packetId, d.state]),
    [
      [first, 'c1', 'a/1', 'one', 2, 1, false, [7], null, 'publish'],
      [second, 'c1', 'a/2', 'two', 2, 2, true, undefined, 9, 'pubrel'],
    ],
  );
  assert.ok(state.lastCommitAt !== null && Math.abs(state.lastCommitAt - Date.now()) < 60_000);
});

test('one event-loop turn is one commit: acknowledgements wait for it, and run at once when nothing waits', async (t) => {
  const store = open(t, tempDir(t));
  const order: string[] = [];
  store.afterCommit(() => order.push('idle'));
  assert.deepEqual(order, ['idle'], 'nothing written: no wait');
  store.saveRetained(message('r/1', 'x', { retain: true }));
  store.afterCommit((ok) => order.push(`first ${ok}`));
  store.saveRetained(message('r/2', 'y', { retain: true }));
  store.afterCommit((ok) => order.push(`second ${ok}`));
  assert.deepEqual(order, ['idle'], 'acknowledgements wait for the commit');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(order, ['idle'], 'and for the flush of the WAL after it');
  await committed(store);
  assert.deepEqual(order, ['idle', 'first true', 'second true'], 'released together, in order');
  store.afterCommit(() => order.push('idle again'));
  assert.equal(order.at(-1), 'idle again', 'nothing written since the flush: no wait');
});

test('a session deleted with its deliveries is gone; writes after the delete in the same turn are kept', async (t) => {
  const dir = tempDir(t);
  const store = open(t, dir);
  store.saveSession('c1', () => sessionRecord('c1'));
  const old = { seq: store.nextSeq(), message: message('a/old', 'old') };
  store.addDelivery({ ...old, clientId: 'c1', qos: 1, retain: false, subIds: undefined, packetId: null, state: 'publish' });
  await committed(store);
  store.saveSession('c1', () => sessionRecord('c1', { expiryInterval: 1 }));
  store.deleteDelivery(old.seq, old.message);
  store.deleteSession('c1');
  store.saveSession('c1', () => sessionRecord('c1', { expiryInterval: 99 }));
  store.addDelivery({ seq: store.nextSeq(), clientId: 'c1', message: message('a/new', 'new'), qos: 1, retain: false, subIds: undefined, packetId: null, state: 'publish' });
  store.saveSession('c2', () => sessionRecord('c2'));
  store.deleteSession('c2');
  await committed(store);
  const state = store.load(Date.now());
  assert.deepEqual(state.sessions.map((s) => [s.clientId, s.expiryInterval]), [['c1', 99]]);
  assert.deepEqual(state.deliveries.map((d) => d.message.topic), ['a/new']);
});

test('a delivery acknowledged in the turn it was added is never written; its packet id set in that turn is written with it', async (t) => {
  const dir = tempDir(t);
  const store = open(t, dir);
  store.saveSession('c1', () => sessionRecord('c1'));
  const gone = store.nextSeq();
  const acked = message('a/acked', 'x');
  store.addDelivery({ seq: gone, clientId: 'c1', message: acked, qos: 1, retain: false, subIds: undefined, packetId: null, state: 'publish' });
  store.setDeliveryState(gone, 4, 'publish');
  store.deleteDelivery(gone, acked);
  const sent = store.nextSeq();
  store.addDelivery({ seq: sent, clientId: 'c1', message: message('a/sent', 'y'), qos: 1, retain: false, subIds: undefined, packetId: null, state: 'publish' });
  store.setDeliveryState(sent, 5, 'publish');
  await committed(store);
  const db = new Database(join(dir, STORE_FILE), { readonly: true });
  t.after(() => db.close());
  assert.deepEqual(db.prepare('SELECT seq, packet_id FROM deliveries').all(), [{ seq: sent, packet_id: 5 }]);
  store.setDeliveryState(sent, 5, 'pubrel');
  await committed(store);
  assert.deepEqual(store.load(Date.now()).deliveries.map((d) => [d.seq, d.packetId, d.state]), [[sent, 5, 'pubrel']]);
});

test('a message added for several sessions in one turn is one row they share, deleted with the last of them; a message for one is stored whole', async (t) => {
  const dir = tempDir(t);
  const store = open(t, dir);
  const fanned = message('a/all', 'x'.repeat(4096));
  const single = message('a/one', 'only c1');
  const seqs: number[] = [];
  for (const clientId of ['c1', 'c2', 'c3']) {
    store.saveSession(clientId, () => sessionRecord(clientId));
    seqs.push(store.nextSeq());
    store.addDelivery({ seq: seqs.at(-1)!, clientId, message: fanned, qos: 1, retain: false, subIds: undefined, packetId: null, state: 'publish' });
  }
  store.addDelivery({ seq: store.nextSeq(), clientId: 'c1', message: single, qos: 1, retain: false, subIds: undefined, packetId: null, state: 'publish' });
  await committed(store);
  const db = new Database(join(dir, STORE_FILE), { readonly: true });
  t.after(() => db.close());
  const count = (sql: string) => db.prepare(sql).pluck().get();
  assert.equal(count('SELECT count(*) FROM messages'), 1);
  assert.equal(count('SELECT count(*) FROM deliveries WHERE message_id IS NOT NULL AND payload IS NULL'), 3, 'the 4 KiB payload is written once');
  assert.equal(count("SELECT count(*) FROM deliveries WHERE message_id IS NULL AND topic = 'a/one'"), 1);
  store.deleteDelivery(seqs[0]!, fanned);
  store.deleteDelivery(seqs[1]!, fanned);
  await committed(store);
  assert.equal(count('SELECT count(*) FROM messages'), 1, 'still one delivery refers to it');
  store.close();

  const again = open(t, dir);
  const loaded = again.load(Date.now()).deliveries;
  assert.deepEqual(loaded.map((d) => [d.clientId, d.message.topic, d.message.payload.length]), [['c3', 'a/all', 4096], ['c1', 'a/one', 7]]);
  again.deleteDelivery(loaded[0]!.seq, loaded[0]!.message);
  await committed(again);
  assert.equal(count('SELECT count(*) FROM messages'), 0, 'the row goes with its last delivery, after a restart too');
});

test('a version 1 store file is brought up to date with its deliveries', async (t) => {
  const dir = tempDir(t);
  const v1 = new Database(join(dir, STORE_FILE));
  v1.exec(`
    CREATE TABLE sessions (client_id TEXT PRIMARY KEY, record TEXT NOT NULL);
    CREATE TABLE deliveries (
      seq INTEGER PRIMARY KEY, client_id TEXT NOT NULL, topic TEXT NOT NULL, payload BLOB NOT NULL,
      qos INTEGER NOT NULL, retain INTEGER NOT NULL, props TEXT, expires_at INTEGER, origin TEXT,
      out_qos INTEGER NOT NULL, out_retain INTEGER NOT NULL, sub_ids TEXT, packet_id INTEGER, pubrel INTEGER NOT NULL);
    CREATE INDEX deliveries_by_client ON deliveries (client_id);
    PRAGMA user_version = 1;`);
  v1.prepare('INSERT INTO sessions VALUES (?, ?)').run('c1', JSON.stringify(sessionRecord('c1')));
  v1.prepare("INSERT INTO deliveries VALUES (7, 'c1', 'a/1', x'6f6e65', 2, 0, NULL, NULL, 'p', 2, 0, '[3]', 11, 1)").run();
  v1.close();
  const store = open(t, dir);
  const [delivery] = store.load(Date.now()).deliveries;
  assert.deepEqual([delivery!.seq, delivery!.message.payload.toString(), delivery!.subIds, delivery!.packetId, delivery!.state], [7, 'one', [3], 11, 'pubrel']);
  assert.equal(store.nextSeq(), 8);
});

test('a version 2 store file gains the owner column and keeps its retained messages', async (t) => {
  const dir = tempDir(t);
  open(t, dir).close();
  const v2 = new Database(join(dir, STORE_FILE));
  v2.exec(`
    DROP TABLE retained;
    CREATE TABLE retained (topic TEXT PRIMARY KEY, payload BLOB NOT NULL, qos INTEGER NOT NULL, retain INTEGER NOT NULL, props TEXT, expires_at INTEGER, origin TEXT);
    INSERT INTO retained VALUES ('r/1', x'6f6e65', 1, 1, NULL, NULL, 'c1');
    PRAGMA user_version = 2;`);
  v2.close();
  const store = open(t, dir);
  const [kept] = store.load(Date.now()).retained;
  assert.deepEqual([kept!.topic, kept!.payload.toString(), kept!.origin, kept!.owner], ['r/1', 'one', 'c1', undefined]);
  store.saveRetained(message('r/2', 'two', { retain: true, origin: 'c2', owner: 'device:c2#1' }));
  assert.equal(await committed(store), true);
});

test('load drops expired retained messages and deliveries, and deliveries of no session', async (t) => {
  const store = open(t, tempDir(t));
  const now = Date.now();
  store.saveRetained(message('r/old', 'x', { retain: true, expiresAt: now - 1 }));
  store.saveRetained(message('r/live', 'y', { retain: true, expiresAt: now + 60_000 }));
  store.saveSession('c1', () => sessionRecord('c1'));
  store.addDelivery({ seq: store.nextSeq(), clientId: 'c1', message: message('a/1', 'gone', { expiresAt: now - 1 }), qos: 1, retain: false, subIds: undefined, packetId: null, state: 'publish' });
  store.addDelivery({ seq: store.nextSeq(), clientId: 'c1', message: message('a/2', 'kept'), qos: 1, retain: false, subIds: undefined, packetId: 3, state: 'publish' });
  store.addDelivery({ seq: store.nextSeq(), clientId: 'nobody', message: message('a/3', 'orphan'), qos: 1, retain: false, subIds: undefined, packetId: null, state: 'publish' });
  store.deleteRetained('r/none');
  await committed(store);
  const state = store.load(now);
  assert.deepEqual(state.retained.map((m) => m.topic), ['r/live']);
  assert.deepEqual(state.deliveries.map((d) => d.message.payload.toString()), ['kept']);
});

test('a commit past the size bound fails as a whole: acknowledgements are told, the file stays within the bound, the store goes on', async (t) => {
  const dir = tempDir(t);
  const errors: unknown[] = [];
  const maxBytes = 256 * 1024;
  const store = open(t, dir, { maxBytes, errors });
  store.saveSession('c1', () => sessionRecord('c1'));
  assert.equal(await committed(store), true);
  for (let i = 0; i < 20; i++) {
    store.addDelivery({ seq: store.nextSeq(), clientId: 'c1', message: message(`a/${i}`, 'x'.repeat(32 * 1024)), qos: 1, retain: false, subIds: undefined, packetId: null, state: 'publish' });
  }
  assert.equal(await committed(store), false);
  assert.equal(errors.length, 1);
  assert.match(String((errors[0] as { code?: string }).code), /SQLITE_FULL/);
  store.addDelivery({ seq: store.nextSeq(), clientId: 'c1', message: message('a/small', 'fits'), qos: 1, retain: false, subIds: undefined, packetId: null, state: 'publish' });
  assert.equal(await committed(store), true);
  assert.deepEqual(store.load(Date.now()).deliveries.map((d) => d.message.topic), ['a/small']);
  store.close();
  assert.ok(statSync(join(dir, STORE_FILE)).size <= maxBytes);
});

test('both durable settings keep the file in WAL mode; SQLite syncs at checkpoints only (fsync flushes the WAL itself)', async (t) => {
  for (const durability of ['fsync', 'os'] as const) {
    const dir = tempDir(t);
    open(t, dir, { durability }).close();
    const db = new Database(join(dir, STORE_FILE));
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
    const store = open(t, dir, { durability });
    const sync = (store as unknown as { db: Database.Database }).db.pragma('synchronous', { simple: true });
    assert.equal(sync, 1, durability);
  }
});

test('memory durability writes no file and releases acknowledgements at once', (t) => {
  const dir = tempDir(t);
  const store = openBrokerStore({ dataDir: dir, durability: 'memory', maxBytes: 1024, onError: () => {} });
  assert.equal(store.durability, 'memory');
  store.saveRetained(message('r/1', 'x', { retain: true }));
  let released = false;
  store.afterCommit(() => (released = true));
  assert.equal(released, true);
  assert.deepEqual(store.load(Date.now()).retained, []);
  assert.throws(() => statSync(join(dir, STORE_FILE)), /ENOENT/);
});
