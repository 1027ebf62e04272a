/**
 * The PostgreSQL dialect's migrations (`migrations/NNN_name.sql`, numbered like the SQLite ones),
 * applied at start-up in ONE transaction with `schema_version`. Replicas starting at once take a
 * transaction-scoped advisory lock first: one migrates, the others wait and then find nothing pending.
 *
 * @module verifier/store/postgres/migrate
 */
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { loadMigrations, type Migration } from '../migrations.js';
import { inTransaction } from './pool.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
/** `pg_advisory_xact_lock` key of schema migrations ('arra-mig' as an int8). */
const MIGRATION_LOCK = 0x6172_7261_6d69_67n;

export function loadPostgresMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return loadMigrations(dir);
}

/** Applies every migration newer than the database's `schema_version`; returns the versions applied. */
export async function migratePostgres(pool: pg.Pool, migrations = loadPostgresMigrations()): Promise<number[]> {
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at BIGINT NOT NULL)');
    const { rows } = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_version');
    const current = rows[0]?.v ?? 0;
    const latest = migrations.at(-1)?.version ?? 0;
    if (current > latest) throw new Error(`database schema version ${current} is newer than this verifier (${latest}); refusing to run`);
    const pending = migrations.filter((m) => m.version > current);
    for (const m of pending) {
      await client.query(m.sql);
      await client.query('INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)', [m.version, Date.now()]);
    }
    return pending.map((m) => m.version);
  });
}
