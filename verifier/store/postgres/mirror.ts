/**
 * A replica's mirror of the decision rows: a private SQLite database with the SQLite store's schema.
 * Foreign keys are off: PostgreSQL enforced them, and a device's rows may come before its group.
 *
 * @module verifier/store/postgres/mirror
 */
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { migrate } from '../migrations.js';
import { inTransaction, sqliteRow } from './pool.js';

export const MEMORY = ':memory:';
const TABLES = ['devices', 'groups', 'device_groups', 'credentials', 'tokens', 'acl_rules'] as const;
/** A device's own rows, by the column that names the device. */
const DEVICE_ROWS = [['devices', 'id'], ['device_groups', 'device_id'], ['credentials', 'device_id'], ['tokens', 'device_id'], ['acl_rules', 'device_id']] as const;
const FETCH_ROWS = 5000;

type Table = (typeof TABLES)[number];
type Row = Record<string, unknown>;

function columnsOf(db: Database.Database, table: Table): string[] {
  return (db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name);
}

/** Upserts PostgreSQL rows (any column order) into a mirror table. */
function writerFor(db: Database.Database, table: Table): (row: Row) => void {
  const columns = columnsOf(db, table);
  const insert = db.prepare(`INSERT OR REPLACE INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
  return (row) => {
    const shaped = sqliteRow<Row>(row);
    insert.run(columns.map((c) => shaped[c] ?? null));
  };
}

/** A new, empty mirror database at `path` (a file, replaced, or `:memory:`). */
function createMirrorDatabase(path: string): Database.Database {
  if (path !== MEMORY) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    rmSync(path, { force: true });
  }
  const db = new Database(path);
  if (path !== MEMORY) chmodSync(path, 0o600);
  // Rebuilt from PostgreSQL at every start: nothing here needs to survive a crash.
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('foreign_keys = OFF');
  migrate(db);
  return db;
}

const inSnapshot = <T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>) =>
  inTransaction(pool, fn, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');

/** Every decision row of one snapshot into a new mirror at `path` (a file or `:memory:`). */
export async function loadMirror(pool: pg.Pool, path: string): Promise<Database.Database> {
  const db = createMirrorDatabase(path);
  try {
    await inSnapshot(pool, async (client) => {
      for (const table of TABLES) {
        const write = writerFor(db, table);
        await client.query(`DECLARE mirror_rows NO SCROLL CURSOR FOR SELECT ${columnsOf(db, table).join(', ')} FROM ${table}`);
        for (;;) {
          const { rows } = await client.query<Row>(`FETCH ${FETCH_ROWS} FROM mirror_rows`);
          if (rows.length === 0) break;
          db.transaction(() => rows.forEach(write))();
        }
        await client.query('CLOSE mirror_rows');
      }
    });
    return db;
  } catch (err) {
    db.close();
    if (path !== MEMORY) rmSync(path, { force: true });
    throw err;
  }
}

/** Where the next full load goes while `current` is read: SQLite refuses writes to a renamed file. */
export function nextMirrorPath(base: string, current: string): string {
  if (base === MEMORY) return MEMORY;
  return current === base ? `${base}.next` : base;
}

/** Closes a mirror that is no longer read and removes its file. */
export function dropMirror(db: Database.Database): void {
  const file = db.memory ? undefined : db.name;
  db.close();
  if (file) rmSync(file, { force: true });
}

/** Devices refreshed per snapshot: each table is one query for the whole chunk (`= ANY`). */
export const DEVICE_CHUNK = 1000;

type DeviceRows = { ids: readonly string[]; own: Row[][]; groups: Row[] };

/** These devices' rows (and the groups they name) as PostgreSQL holds them now, in one snapshot; `db` gives the columns. */
export async function fetchDevices(pool: pg.Pool, db: Database.Database, ids: readonly string[]): Promise<DeviceRows> {
  return inSnapshot(pool, async (client) => {
    const own = [];
    for (const [table, column] of DEVICE_ROWS) {
      own.push((await client.query<Row>(`SELECT ${columnsOf(db, table).join(', ')} FROM ${table} WHERE ${column} = ANY($1)`, [ids])).rows);
    }
    const groups = await client.query<Row>(
      `SELECT ${columnsOf(db, 'groups').join(', ')} FROM groups WHERE name IN (SELECT group_name FROM device_groups WHERE device_id = ANY($1))`, [ids]);
    return { ids, own, groups: groups.rows };
  });
}

/** Replaces these devices' rows in the mirror with `rows`, in one transaction. */
export function writeDevices(db: Database.Database, rows: DeviceRows): void {
  const writeGroup = writerFor(db, 'groups');
  db.transaction(() => {
    DEVICE_ROWS.forEach(([table, column], i) => {
      const remove = db.prepare(`DELETE FROM ${table} WHERE ${column} = ?`);
      for (const id of rows.ids) remove.run(id);
      rows.own[i]!.forEach(writerFor(db, table));
    });
    rows.groups.forEach(writeGroup);
  })();
}

type SharedRows = { groups: Row[]; rules: Row[] };

/** The rows no one device owns (groups, group/everyone/anonymous rules) as PostgreSQL holds them now. */
export async function fetchShared(pool: pg.Pool, db: Database.Database): Promise<SharedRows> {
  return inSnapshot(pool, async (client) => ({
    groups: (await client.query<Row>(`SELECT ${columnsOf(db, 'groups').join(', ')} FROM groups`)).rows,
    rules: (await client.query<Row>(`SELECT ${columnsOf(db, 'acl_rules').join(', ')} FROM acl_rules WHERE device_id IS NULL`)).rows,
  }));
}

/** Replaces the shared rows in the mirror; memberships of a group that is gone go with it. */
export function writeShared(db: Database.Database, rows: SharedRows): void {
  const names = new Set(rows.groups.map((g) => String(g.name)));
  const gone = (db.prepare('SELECT name FROM groups').pluck().all() as string[]).filter((name) => !names.has(name));
  db.transaction(() => {
    const leave = db.prepare('DELETE FROM device_groups WHERE group_name = ?');
    for (const name of gone) leave.run(name);
    db.exec('DELETE FROM groups; DELETE FROM acl_rules WHERE device_id IS NULL');
    rows.groups.forEach(writerFor(db, 'groups'));
    rows.rules.forEach(writerFor(db, 'acl_rules'));
  })();
}
