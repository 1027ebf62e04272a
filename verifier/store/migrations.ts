/**
 * Numbered, forward-only schema migrations: `migrations/NNN_name.sql`, applied in order at start-up,
 * all pending ones in ONE transaction with `schema_version`, so a crash mid-migration leaves the
 * previous schema intact. A database newer than this code is refused rather than guessed at.
 *
 * @module verifier/store/migrations
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database } from 'better-sqlite3';

/** The `.sql` files live beside this module (a build must copy them next to the emitted `.js`). */
const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
const FILE_PATTERN = /^(\d{3})_[a-z0-9_]+\.sql$/;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  if (!existsSync(dir)) {
    throw new Error(`migrations directory ${dir} is missing: copy verifier/store/migrations/*.sql next to the built store`);
  }
  const migrations = readdirSync(dir)
    .map((name) => ({ name, match: FILE_PATTERN.exec(name) }))
    .filter((f) => f.match !== null)
    .map((f) => ({ version: Number(f.match![1]), name: f.name, sql: readFileSync(dir + f.name, 'utf8') }))
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name}: expected version ${i + 1}, numbering has a gap`);
  });
  return migrations;
}

/** Applies every migration newer than the database's `schema_version`; returns the versions applied. */
export function migrate(db: Database, migrations = loadMigrations()): number[] {
  return db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at INTEGER NOT NULL) STRICT');
    const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
    const current = row.v ?? 0;
    const latest = migrations.at(-1)?.version ?? 0;
    if (current > latest) {
      throw new Error(`database schema version ${current} is newer than this verifier (${latest}); refusing to run`);
    }
    const pending = migrations.filter((m) => m.version > current);
    const record = db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)');
    for (const m of pending) {
      db.exec(m.sql);
      record.run(m.version, Date.now());
    }
    return pending.map((m) => m.version);
  }).immediate();
}
