import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type pg from 'pg';
import type { Change } from '../../../../schemas/index.js';
import { pruneChanges, recordChanges, startChangeBus, type ChangeBus, type ChangeBusOptions } from '../change-bus.js';
import { migratePostgres } from '../migrate.js';
import { testDatabase, type TestDatabase } from './cluster.js';

interface Heard {
  change: Change;
  seq: number;
  at: number;
  gap: boolean;
}

async function migrated(t: TestContext): Promise<{ db: TestDatabase; pool: pg.Pool } | undefined> {
  const db = await testDatabase(t);
  if (!db) return undefined;
  const pool = db.pool(25);
  await migratePostgres(pool);
  return { db, pool };
}

async function replicaBus(t: TestContext, db: TestDatabase, extra: Partial<ChangeBusOptions> = {}): Promise<{ bus: ChangeBus; heard: Heard[] }> {
  const bus = await startChangeBus({ url: db.url, minBackoffMs: 50, maxBackoffMs: 200, ...extra });
  t.after(() => bus.close());
  const heard: Heard[] = [];
  bus.onChange((change, seq, gap) => heard.push({ change, seq, at: Date.now(), gap }));
  return { bus, heard };
}

/** One write transaction that records `changes` last, committed or rolled back. */
async function write(pool: pg.Pool, changes: Change[], outcome: 'COMMIT' | 'ROLLBACK' = 'COMMIT'): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await recordChanges(client, changes);
    await client.query(outcome);
    return Date.now();
  } finally {
    client.release();
  }
}

async function until(predicate: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!predicate() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  return predicate();
}

const device = (deviceId: string): Change => ({ kind: 'device', deviceId });

test('a committed write reaches every replica within a second with one revision; a rolled-back one announces nothing', async (t) => {
  const ready = await migrated(t);
  if (!ready) return;
  const a = await replicaBus(t, ready.db);
  const b = await replicaBus(t, ready.db);
  await write(ready.pool, [device('gone')], 'ROLLBACK');
  const committedAt = await write(ready.pool, [device('dev-1'), device('dev-1'), device('dev-2')]);
  assert.ok(await until(() => a.heard.length >= 2 && b.heard.length >= 2, 5000));
  for (const replica of [a, b]) {
    assert.deepEqual(replica.heard.map((h) => h.change), [device('dev-1'), device('dev-2')]);
    assert.ok(replica.heard.every((h) => h.at - committedAt < 1000), 'within a second of COMMIT');
  }
  assert.equal(a.bus.revision, b.bus.revision, 'the replicas agree on the revision');
  await write(ready.pool, [device('dev-3'), { kind: 'all' }, device('dev-3')]);
  assert.ok(await until(() => a.heard.length === 4, 5000));
  assert.deepEqual(a.heard.slice(2).map((h) => [h.change, h.gap]), [[device('dev-3'), false], [{ kind: 'all' }, false]],
    'a write\'s devices once each, then its all, which is no gap: the log says what changed');
});

test('concurrent writers: every change arrives once, in increasing revision order', async (t) => {
  const ready = await migrated(t);
  if (!ready) return;
  const a = await replicaBus(t, ready.db);
  const ids = Array.from({ length: 20 }, (_, i) => `dev-${i}`);
  await Promise.all(ids.map((id) => write(ready.pool, [device(id)])));
  assert.ok(await until(() => a.heard.length >= ids.length, 5000));
  assert.deepEqual(a.heard.map((h) => (h.change.kind === 'device' ? h.change.deviceId : 'all')).sort(), [...ids].sort());
  assert.ok(a.heard.every((h, i) => i === 0 || h.seq > a.heard[i - 1]!.seq));
});

test('a replica that lost its connection catches up from the log, or re-checks everything when the log was pruned past it', async (t) => {
  const ready = await migrated(t);
  if (!ready) return;
  const a = await replicaBus(t, ready.db);
  const kill = () => ready.pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'arra-change-bus' AND datname = current_database()");
  await kill();
  await write(ready.pool, [device('while-away')]);
  assert.ok(await until(() => a.heard.length === 1, 5000), 'the change made while it was away arrives');
  assert.deepEqual(a.heard[0]!.change, device('while-away'));

  const slow = await replicaBus(t, ready.db, { minBackoffMs: 1500, maxBackoffMs: 1500 });
  await until(() => slow.bus.revision === a.bus.revision, 2000);
  await kill();
  await write(ready.pool, [device('pruned-away')]);
  assert.ok(await until(() => a.heard.length === 2, 5000));
  assert.ok((await pruneChanges(ready.pool, 0, Date.now() + 1)) >= 1);
  assert.ok(await until(() => slow.heard.length > 0, 8000));
  assert.deepEqual(slow.heard.map((h) => [h.change, h.gap]), [[{ kind: 'all' }, true]], 'a gap: re-read everything');
});
