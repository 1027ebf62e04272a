import assert from 'node:assert/strict';
import { test } from 'node:test';
import type pg from 'pg';
import { loadMigrations } from '../../migrations.js';
import { loadPostgresMigrations, migratePostgres } from '../migrate.js';
import { testDatabase } from './cluster.js';

async function versions(pool: pg.Pool): Promise<number[]> {
  return (await pool.query<{ version: number }>('SELECT version FROM schema_version ORDER BY version')).rows.map((r) => r.version);
}

test('both dialects have the same numbered migrations', () => {
  assert.deepEqual(loadPostgresMigrations().map((m) => m.name), loadMigrations().map((m) => m.name));
});

test('a fresh database gets every migration once; a second start applies nothing', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const pool = db.pool();
  assert.deepEqual(await migratePostgres(pool), [1, 2]);
  assert.deepEqual(await migratePostgres(pool), []);
  await pool.query("INSERT INTO devices (id, created_at, updated_at) VALUES ('dev-1', 1, 1)");
  const { rows } = await pool.query('SELECT enabled, incarnation FROM devices');
  assert.equal(rows[0].enabled, true);
});

test('replicas starting at once: one migrates, the others wait and find nothing pending', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const pools = Array.from({ length: 5 }, () => db.pool(1));
  const applied = await Promise.all(pools.map((pool) => migratePostgres(pool)));
  assert.deepEqual(applied.filter((a) => a.length > 0), [[1, 2]]);
  assert.deepEqual(await versions(pools[0]!), [1, 2]);
});

test('a failing migration leaves the previous schema whole, and a newer schema is refused', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const pool = db.pool();
  const [first] = loadPostgresMigrations();
  const broken = [first!, { version: 2, name: '002_broken.sql', sql: 'ALTER TABLE devices ADD COLUMN x INTEGER; SELECT no_such_function();' }];
  await assert.rejects(migratePostgres(pool, broken), /no_such_function/);
  const tables = await pool.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename IN ('devices', 'schema_version')");
  assert.equal(tables.rows[0].n, 0, 'nothing of the failed run is left');

  await migratePostgres(pool);
  await pool.query('INSERT INTO schema_version (version, applied_at) VALUES (99, 0)');
  await assert.rejects(migratePostgres(pool), /schema version 99 is newer than this verifier \(2\); refusing to run/);
});
