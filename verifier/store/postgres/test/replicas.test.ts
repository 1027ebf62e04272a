import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import pg from 'pg';
import pino from 'pino';
import { DeviceCreate, GroupCreate, ImportBody, RuleCreate } from '../../../../schemas/admin.js';
import { createAdmin, type Admin } from '../../../admin/index.js';
import type { Change } from '../../../core/index.js';
import { TEST_KEK } from '../../test/helpers.js';
import { openPostgresStore, type PostgresStore } from '../store.js';
import { testDatabase } from './cluster.js';

interface Replica {
  store: PostgresStore;
  admin: Admin;
  heard: Change[];
  /** The messages of its store's log lines. */
  logged: string[];
}

async function replica(t: TestContext, url: string): Promise<Replica> {
  const dir = mkdtempSync(join(tmpdir(), 'arra-replica-'));
  const logged: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push((JSON.parse(line) as { msg: string }).msg) });
  const store = await openPostgresStore({ url, kek: TEST_KEK, mirrorPath: join(dir, 'registry-mirror.sqlite'), logger });
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const heard: Change[] = [];
  store.onChange((change) => heard.push(change));
  const admin = await createAdmin({ store, clock: Date, tokens: { issuer: 'arra-mq', audience: 'mqtt', defaultTtlSeconds: 60 } });
  return { store, admin, heard, logged };
}

/** A device written behind the log's back: only a whole reload of a mirror would show it. */
async function writeGhost(url: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  await pool.query("INSERT INTO devices (id, created_at, updated_at, incarnation) VALUES ('ghost', 1, 1, 'i')");
  await pool.end();
}

function assertNoReload(replicas: Replica[]): void {
  for (const r of replicas) {
    assert.equal(r.store.getDevice('ghost'), undefined, 'the mirror was not reloaded whole');
    assert.ok(!r.logged.some((m) => m.includes('reloaded whole')), 'no reload logged');
  }
}

async function within(ms: number, predicate: () => boolean, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) assert.fail(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('a write on one replica reaches the other replica\'s mirror and listeners within a second', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const [a, b] = [await replica(t, db.url), await replica(t, db.url)];
  await a.admin.createDevice(DeviceCreate.parse({ id: 'dev-1', groups: ['cams'] }));
  assert.ok(a.store.getDevice('dev-1'), 'read-your-writes on the replica that wrote');
  await within(1000, () => b.store.getDevice('dev-1') !== undefined, 'device on B');
  assert.deepEqual(b.store.getDevice('dev-1')!.groups, ['cams']);
  assert.deepEqual(b.heard, [{ kind: 'device', deviceId: 'dev-1' }]);
  assert.deepEqual(a.heard, [{ kind: 'device', deviceId: 'dev-1' }], 'the writer hears its change once, not again from the bus');

  await a.admin.createGroup(GroupCreate.parse({ name: 'issuers', externalIssuer: { issuer: 'https://idp', jwksUrl: 'https://idp/jwks', algorithms: ['RS256'] } }));
  await within(1000, () => b.store.getGroupsByIssuer('https://idp').length === 1, 'group (an all change) on B');
  await within(1000, () => b.store.revisions.current === a.store.revisions.current, 'one revision on both');
});

test('group and shared-rule changes refresh the shared rows on the other replica, not the whole mirror', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const [a, b] = [await replica(t, db.url), await replica(t, db.url)];
  await a.admin.createDevice(DeviceCreate.parse({ id: 'dev-1', groups: ['cams'] }));
  await writeGhost(db.url);
  const rule = await a.admin.createRule(RuleCreate.parse({ subject: { kind: 'group', name: 'cams' }, action: 'publish', topic: 'cams/#', permission: 'allow' }));
  await within(1000, () => b.store.rulesFor(b.store.getDevice('dev-1')!).some((r) => r.id === rule.id), 'the group rule applies on B');
  const moved = await a.admin.createRule(RuleCreate.parse({ subject: { kind: 'device', id: 'dev-1' }, action: 'subscribe', topic: 'x', permission: 'allow' }));
  await a.admin.patchRule(moved.id, { subject: { kind: 'all' } });
  await a.admin.deleteGroup('cams');
  await within(1000, () => b.store.getGroup('cams') === undefined, 'the group is gone on B');
  assert.deepEqual(b.store.getDevice('dev-1')!.groups, [], 'and so is the membership');
  assert.deepEqual(b.store.rulesFor(b.store.getDevice('dev-1')!).map((r) => r.id), [moved.id], 'the group\'s rule went, the moved rule applies as everyone\'s');
  assert.ok(b.heard.some((c) => c.kind === 'all'), 'B\'s caches dropped everything');
  assertNoReload([a, b]);
});

test('an import reaches the other replica by refreshing the devices it wrote, not by reloading the mirror', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const [a, b] = [await replica(t, db.url), await replica(t, db.url)];
  await a.admin.createDevice(DeviceCreate.parse({ id: 'dev-1', superuser: true, groups: ['cams'] }));
  await within(1000, () => b.store.getDevice('dev-1') !== undefined, 'dev-1 on B');
  b.heard.length = 0;
  await writeGhost(db.url);
  // More devices than one log page and one refresh chunk (1,000 each); dev-1 loses its rights.
  const added = Array.from({ length: 2500 }, (_, i) => ({ id: `bulk-${i}`, groups: ['fleet'] }));
  const devices = [...added, { id: 'dev-1', superuser: false, groups: [] }];
  await a.admin.importDevices(ImportBody.parse({ devices }), { onConflict: 'update' });
  const imported = Date.now();
  await within(1000, () => b.store.getDevice('dev-1')?.superuser === false, 'dev-1 lost superuser on B');
  t.diagnostic(`the import's change to dev-1 applied on B ${Date.now() - imported} ms after A answered`);
  await within(5000, () => b.heard.length === devices.length, 'B heard every imported device');
  assert.deepEqual(b.store.getDevice('dev-1')!.groups, []);
  assert.deepEqual(b.store.getDevice('bulk-2499')!.groups, ['fleet']);
  assert.ok(b.store.getGroup('fleet'), 'the group the import created is in B\'s mirror');
  assert.deepEqual(b.heard.map((c) => (c.kind === 'device' ? c.deviceId : c.kind)).sort(), devices.map((d) => d.id).sort(),
    'B\'s caches drop exactly the imported devices');
  assert.deepEqual(a.heard.filter((c) => c.kind === 'all'), [], 'no change to everything on A either');
  assertNoReload([a, b]);
  await within(1000, () => b.store.revisions.current === a.store.revisions.current, 'one revision on both');
});

/** What a replica decides from, for every device and group PostgreSQL holds. */
async function decisionRows(r: Replica, url: string): Promise<string> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const ids = (await pool.query<{ id: string }>('SELECT id FROM devices ORDER BY id')).rows.map((row) => row.id);
  const groups = (await pool.query<{ name: string }>('SELECT name FROM groups ORDER BY name')).rows.map((row) => row.name);
  await pool.end();
  const devices = ids.map((id) => {
    const device = r.store.getDevice(id);
    return device && { ...device, rules: r.store.rulesFor(device).map((rule) => rule.id) };
  });
  return JSON.stringify({ devices, groups: groups.map((name) => r.store.getGroup(name)), anonymous: r.store.rulesFor(null).map((rule) => rule.id) });
}

test('mixed writes on both replicas at once (imports, device, group and rule edits) leave both mirrors as PostgreSQL', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const [a, b] = [await replica(t, db.url), await replica(t, db.url)];
  const batch = (round: number) => Array.from({ length: 1200 }, (_, i) => ({ id: `bulk-${i}`, groups: [`fleet-${(i + round) % 3}`], superuser: round % 2 === 0 }));
  const rule = (name: string) => RuleCreate.parse({ subject: { kind: 'group', name }, action: 'publish', topic: `${name}/#`, permission: 'allow' });
  await a.admin.importDevices(ImportBody.parse({ devices: batch(0) }));
  await Promise.all([
    (async () => {
      for (let round = 1; round <= 3; round += 1) await a.admin.importDevices(ImportBody.parse({ devices: batch(round) }), { onConflict: 'update' });
    })(),
    (async () => {
      for (let i = 0; i < 30; i += 1) await b.admin.patchDevice(`bulk-${i * 40}`, { enabled: i % 2 === 0 });
    })(),
    (async () => {
      for (const name of ['fleet-0', 'fleet-1', 'fleet-2']) await b.admin.createRule(rule(name));
      await b.admin.createGroup(GroupCreate.parse({ name: 'short-lived' }));
      await b.admin.createDevice(DeviceCreate.parse({ id: 'member', groups: ['short-lived', 'fleet-0'] }));
      await b.admin.createRule(rule('short-lived'));
      await b.admin.deleteGroup('short-lived');
      await b.admin.createRule(RuleCreate.parse({ subject: { kind: 'anonymous' }, action: 'subscribe', topic: 'public/#', permission: 'allow' }));
    })(),
  ]);
  await within(5000, () => a.store.revisions.current === b.store.revisions.current, 'both replicas at one revision');
  const expected = await decisionRows(a, db.url);
  assert.equal(await decisionRows(b, db.url), expected, 'B decides from what A decides from');
  const fresh = await replica(t, db.url);
  assert.equal(await decisionRows(fresh, db.url), expected, 'and both from what a mirror loaded now holds');
});

test('two replicas writing the same id at once: one wins, the other gets a conflict', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const [a, b] = [await replica(t, db.url), await replica(t, db.url)];
  const results = await Promise.allSettled([a, b].map((r) => r.admin.createDevice(DeviceCreate.parse({ id: 'dev-1' }))));
  assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
  assert.equal((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason.code, 'ERR_CONFLICT');
});

test('a key rotated or retired on one replica is the same on the other within a second', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const [a, b] = [await replica(t, db.url), await replica(t, db.url)];
  const first = a.admin.keys.activeSigningKey().kid;
  assert.equal(b.admin.keys.activeSigningKey().kid, first, 'the first key is shared');
  const rotated = await a.admin.rotateKey('ES256');
  await within(1000, () => b.admin.keys.activeSigningKey().kid === rotated.kid, 'B signs with the rotated key');
  assert.ok(b.admin.keys.verificationKey(first), 'the old key still verifies on B');
  await a.admin.retireKey(first);
  await within(1000, () => b.admin.keys.verificationKey(first) === undefined, 'the retired key stops verifying on B');
});

test('a device change is not held behind a full reload of a large mirror', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const a = await replica(t, db.url);
  await a.admin.createDevice(DeviceCreate.parse({ id: 'dev-1' }));
  const pool = db.pool(1);
  await pool.query(`INSERT INTO devices (id, created_at, updated_at, incarnation) SELECT 'bulk-' || g, 1, 1, 'i' FROM generate_series(1, 150000) g`);
  await pool.query(`INSERT INTO credentials (id, device_id, kind, password_hash, created_at) SELECT 'c-' || g, 'bulk-' || g, 'password', 'h', 1 FROM generate_series(1, 150000) g`);
  const b = await replica(t, db.url);

  // A gap in the log, as a copy into the database leaves: every replica reloads its whole mirror
  // (seconds at this size). The group is written behind the log's back: only a reload shows it.
  await pool.query("INSERT INTO groups (name, created_at) VALUES ('late-group', 1)");
  await pool.query(`WITH gap AS (INSERT INTO change_log (device_id, created_at) VALUES (NULL, 1) RETURNING seq)
    UPDATE change_log_horizon SET pruned_through = (SELECT seq FROM gap)`);
  await a.admin.patchDevice('dev-1', { enabled: false });
  const patched = Date.now();
  await within(1000, () => b.store.getDevice('dev-1')?.enabled === false, 'the disable reaches B while it reloads');
  const elapsed = Date.now() - patched;
  assert.equal(b.store.getGroup('late-group'), undefined, 'B was still reloading: the disable did not wait for it');
  assert.ok(b.heard.some((c) => c.kind === 'device' && c.deviceId === 'dev-1'), 'B told its listeners (caches, bundled broker)');
  // Both replicas share this test's event loop (and its CPU) with both reloads: separate processes do better.
  t.diagnostic(`disable applied on B ${elapsed} ms after A acknowledged it, during B's full reload`);
  await within(30_000, () => b.store.getGroup('late-group') !== undefined, 'the reload lands');
  assert.ok(b.logged.some((m) => m.includes('reloaded whole')), 'B logged its reload');
  assert.equal(b.store.getDevice('dev-1')?.enabled, false, 'the reloaded mirror keeps the newer device row');
});

test('a replica prunes change-log rows older than a day and moves the horizon', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const dir = mkdtempSync(join(tmpdir(), 'arra-prune-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = await openPostgresStore({ url: db.url, kek: TEST_KEK, mirrorPath: join(dir, 'm.sqlite'), pruneEveryMs: 50 });
  t.after(() => store.close());
  const pool = db.pool(1);
  const dayAgo = Date.now() - 25 * 3600_000;
  await pool.query('INSERT INTO change_log (device_id, created_at) VALUES ($1, $2), ($3, $4)', ['old', dayAgo, 'new', Date.now()]);
  const until = Date.now() + 5000;
  let left: string[] = [];
  do {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = (await pool.query<{ device_id: string }>('SELECT device_id FROM change_log ORDER BY seq')).rows.map((r) => r.device_id);
  } while (left.includes('old') && Date.now() < until);
  assert.deepEqual(left, ['new']);
  const horizon = await pool.query<{ pruned_through: string }>('SELECT pruned_through FROM change_log_horizon');
  assert.equal(Number(horizon.rows[0]!.pruned_through), 1);
});
