/**
 * Two replicas on one PostgreSQL, each the `npm start` composition (verifier + bundled broker): a
 * device disabled through replica A, or whose password an import through A replaced, is disconnected
 * from replica B's broker within a second; a token A issued is accepted by B; after A is killed -9,
 * every write A acknowledged is on B and B serves on.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqtt from 'mqtt';
import { postgresUnavailable, scratchDatabase } from '../../verifier/store/postgres/test/cluster.js';
import { startAllInOne, type AllInOne } from './all-in-one.js';

const KEK = 'key-encryption-secret-of-the-replica-test';
const WEBHOOK_SECRET = 'webhook-secret-of-the-replica-test';

interface Changes {
  revision: number;
  changes: Array<{ kind: string; deviceId?: string }> | null;
}

/** `GET /v1/changes` of a replica, as a broker's HTTP authorizer polls it. */
async function changes(replica: AllInOne, since?: number): Promise<Changes> {
  const query = since === undefined ? 'waitMs=0' : `since=${since}&waitMs=2000`;
  return json<Changes>(fetch(`${replica.url}/v1/changes?${query}`, { headers: { 'x-arra-secret': WEBHOOK_SECRET } }), 200);
}

async function json<T>(response: Promise<Response>, status: number): Promise<T> {
  const r = await response;
  const text = await r.text();
  assert.equal(r.status, status, text);
  return JSON.parse(text) as T;
}

/** Connects to `replica`'s broker, retrying while the replica has not heard of the device yet (≤ 5 s). */
async function connect(replica: AllInOne, clientId: string, password: string): Promise<mqtt.MqttClient> {
  const until = Date.now() + 5000;
  for (;;) {
    const client = mqtt.connect(`mqtt://127.0.0.1:${replica.mqttPort}`, { clientId, username: clientId, password, reconnectPeriod: 0, connectTimeout: 5000 });
    const ok = await new Promise<boolean>((resolve) => {
      client.once('connect', () => resolve(true));
      client.once('error', () => resolve(false));
      client.once('close', () => resolve(false));
    });
    if (ok) return client;
    client.end(true);
    if (Date.now() > until) throw new Error(`${clientId} could not connect to the replica`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('two replicas on one PostgreSQL: changes, tokens and acknowledged writes cross over', { skip: postgresUnavailable() ?? false }, async (t) => {
  const db = await scratchDatabase();
  const env = { ARRA_DATABASE_URL: db.url, ARRA_KEY_ENCRYPTION_KEY: KEK, ARRA_WEBHOOK_SECRET: WEBHOOK_SECRET };
  // Started at once: one migrates and creates the keys and CA, the other finds them.
  const [a, b] = await Promise.all([startAllInOne(t, env), startAllInOne(t, env)]);
  t.after(() => db.drop());
  assert.equal(await (await fetch(`${a.url}/ca.pem`)).text(), await (await fetch(`${b.url}/ca.pem`)).text(), 'one device CA');

  await json(a.admin('/v1/admin/devices', { method: 'POST', body: { id: 'cam-1' } }), 201);
  const { secret } = await json<{ secret: string }>(a.admin('/v1/admin/devices/cam-1/credentials', { method: 'POST', body: { kind: 'password' } }), 201);
  const client = await connect(b, 'cam-1', secret);
  let before = await changes(a);
  for (let tries = 0; (await changes(b)).revision !== before.revision; tries += 1) {
    assert.ok(tries < 20, 'the replicas agree on one revision within a second');
    await new Promise((resolve) => setTimeout(resolve, 50));
    before = await changes(a);
  }
  const closed = new Promise<number>((resolve) => client.once('close', () => resolve(Date.now())));
  const disabledAt = Date.now();
  await json(a.admin('/v1/admin/devices/cam-1', { method: 'PATCH', body: { enabled: false } }), 200);
  const elapsed = (await closed) - disabledAt;
  assert.ok(elapsed < 1000, `disconnected from B ${elapsed} ms after the disable through A`);
  t.diagnostic(`disabled through A, disconnected from B after ${elapsed} ms`);
  // A broker that polled A and moves to B asks B with A's revision and gets the same answer.
  const [fromA, fromB] = [await changes(a, before.revision), await changes(b, before.revision)];
  assert.deepEqual(fromB, fromA);
  assert.deepEqual(fromB.changes, [{ kind: 'device', deviceId: 'cam-1' }]);

  // An import through A that replaces cam-3's password: B's broker drops the session the old one opened.
  await json(a.admin('/v1/admin/devices', { method: 'POST', body: { id: 'cam-3' } }), 201);
  const old = await json<{ secret: string }>(a.admin('/v1/admin/devices/cam-3/credentials', { method: 'POST', body: { kind: 'password' } }), 201);
  const camera = await connect(b, 'cam-3', old.secret);
  before = await changes(a);
  while ((await changes(b)).revision !== before.revision) await new Promise((resolve) => setTimeout(resolve, 50));
  const dropped = new Promise<number>((resolve) => camera.once('close', () => resolve(Date.now())));
  const importedAt = Date.now();
  const devices = [{ id: 'cam-3', password: 'a new password for cam-3' }, { id: 'cam-4' }];
  await json(a.admin('/v1/admin/import?onConflict=update', { method: 'POST', body: { devices } }), 201);
  const afterImport = (await dropped) - importedAt;
  assert.ok(afterImport < 1000, `disconnected from B ${afterImport} ms after the import through A`);
  t.diagnostic(`password replaced by an import through A, disconnected from B after ${afterImport} ms`);
  const [importA, importB] = [await changes(a, before.revision), await changes(b, before.revision)];
  assert.deepEqual(importB, importA);
  assert.deepEqual(importB.changes, [{ kind: 'device', deviceId: 'cam-3' }, { kind: 'device', deviceId: 'cam-4' }], 'the imported devices, not everything');

  await json(a.admin('/v1/admin/devices', { method: 'POST', body: { id: 'cam-2' } }), 201);
  const { token } = await json<{ token: string }>(a.admin('/v1/admin/devices/cam-2/tokens', { method: 'POST' }), 201);
  (await connect(b, 'cam-2', token)).end(true);

  // Writes through A until it is killed: every one it acknowledged must be on B.
  const acknowledged: string[] = [];
  let stop = false;
  const writer = (async () => {
    for (let i = 0; !stop; i += 1) {
      const id = `burst-${i}`;
      try {
        const r = await a.admin('/v1/admin/devices', { method: 'POST', body: { id } });
        if (r.status === 201) acknowledged.push(id);
      } catch {
        return; // A is gone
      }
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 500));
  a.child.kill('SIGKILL');
  stop = true;
  await writer;
  assert.ok(acknowledged.length > 0, 'A acknowledged writes before it died');
  const until = Date.now() + 2000;
  let missing = acknowledged;
  while (missing.length > 0 && Date.now() < until) {
    const statuses = await Promise.all(missing.map(async (id) => [id, (await b.admin(`/v1/admin/devices/${id}`)).status] as const));
    missing = statuses.filter(([, status]) => status !== 200).map(([id]) => id);
    if (missing.length > 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.deepEqual(missing, [], `B has every write A acknowledged (${acknowledged.length})`);
  t.diagnostic(`${acknowledged.length} writes acknowledged by A before kill -9, all on B`);
  (await connect(b, 'cam-2', token)).end(true);
  assert.equal((await fetch(`${b.url}/healthz`)).status, 200, 'B serves on');
});
