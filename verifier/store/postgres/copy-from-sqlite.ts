/**
 * Moving over: copies a SQLite registry (one read snapshot) into an empty PostgreSQL database in ONE
 * transaction, keys and CA included (sealed on the way), then announces a full re-check (a gap in the
 * change log: running replicas reload their mirrors whole). Rows stream from the snapshot a batch at a
 * time, so memory does not grow with the registry. A failure at any row leaves the target as it was; a
 * target that already holds a registry is refused.
 *
 * @module verifier/store/postgres/copy-from-sqlite
 */
import Database from 'better-sqlite3';
import type pg from 'pg';
import { ConflictError } from '../../core/index.js';
import { recordChanges } from './change-bus.js';
import { migratePostgres } from './migrate.js';
import { inTransaction } from './pool.js';
import type { KeyEncryptionKey } from './sealed-keys.js';

type Row = Record<string, unknown>;

interface TableCopy {
  name: string;
  /** SQLite 0/1 columns that are BOOLEAN in PostgreSQL. */
  booleans?: string[];
  /** Private-key columns, sealed under the context the row's key names. */
  seal?: { column: string; context: (row: Row) => string };
  /** An identity column whose values are kept (and whose sequence moves past them). */
  identity?: string;
}

/** In foreign-key order. */
const TABLES: TableCopy[] = [
  { name: 'devices', booleans: ['superuser', 'require_client_id_match', 'enabled'] },
  { name: 'groups' },
  { name: 'device_groups' },
  { name: 'credentials' },
  { name: 'tokens' },
  { name: 'acl_rules', booleans: ['eq', 'retain'], identity: 'id' },
  { name: 'signing_keys', seal: { column: 'private_jwk', context: (row) => `signing_keys:${String(row.kid)}` } },
  { name: 'device_ca', seal: { column: 'key_pem', context: () => 'device_ca' } },
];
const BATCH = 500;

export type CopyCounts = Record<string, number>;

/** Runs `fn` in one read snapshot of the SQLite registry at `sqlitePath`, held across its awaits. */
async function inSnapshot<T>(sqlitePath: string, fn: (db: Database.Database) => Promise<T>): Promise<T> {
  const db = new Database(sqlitePath, { readonly: true, fileMustExist: true });
  try {
    db.exec('BEGIN');
    return await fn(db);
  } finally {
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
  }
}

function convert(table: TableCopy, row: Row, kek: KeyEncryptionKey): Row {
  const out: Row = { ...row };
  for (const column of table.booleans ?? []) if (out[column] !== null) out[column] = out[column] === 1;
  if (table.seal) out[table.seal.column] = kek.seal(String(row[table.seal.column]), table.seal.context(row));
  return out;
}

async function insertBatch(client: pg.ClientBase, table: TableCopy, batch: readonly Row[]): Promise<void> {
  const columns = Object.keys(batch[0]!);
  const overriding = table.identity ? ' OVERRIDING SYSTEM VALUE' : '';
  const values = batch.map((_, r) => `(${columns.map((_c, c) => `$${r * columns.length + c + 1}`).join(', ')})`);
  await client.query(`INSERT INTO ${table.name} (${columns.join(', ')})${overriding} VALUES ${values.join(', ')}`, batch.flatMap((row) => columns.map((c) => row[c])));
}

/** Streams one table of the snapshot into PostgreSQL, `BATCH` rows per statement; returns the rows copied. */
async function copyTable(sqlite: Database.Database, client: pg.ClientBase, table: TableCopy, kek: KeyEncryptionKey): Promise<number> {
  let copied = 0;
  let batch: Row[] = [];
  for (const row of sqlite.prepare(`SELECT * FROM ${table.name}`).iterate() as IterableIterator<Row>) {
    batch.push(convert(table, row, kek));
    if (batch.length < BATCH) continue;
    await insertBatch(client, table, batch);
    copied += batch.length;
    batch = [];
  }
  if (batch.length > 0) await insertBatch(client, table, batch);
  copied += batch.length;
  if (table.identity && copied > 0) {
    await client.query(`SELECT setval(pg_get_serial_sequence('${table.name}', '${table.identity}'), (SELECT MAX(${table.identity}) FROM ${table.name}))`);
  }
  return copied;
}

/** Copies the registry at `sqlitePath` into the (migrated, empty) database of `pool`; returns rows per table. */
export async function copySqliteToPostgres(sqlitePath: string, pool: pg.Pool, kek: KeyEncryptionKey): Promise<CopyCounts> {
  await migratePostgres(pool);
  return inSnapshot(sqlitePath, (sqlite) => inTransaction(pool, async (client) => {
    const held = await client.query<{ held: boolean }>(
      'SELECT EXISTS (SELECT 1 FROM devices) OR EXISTS (SELECT 1 FROM groups) OR EXISTS (SELECT 1 FROM signing_keys) OR EXISTS (SELECT 1 FROM device_ca) AS held');
    if (held.rows[0]?.held) throw new ConflictError('the PostgreSQL database already holds a registry: copy into an empty one');
    const counts: CopyCounts = {};
    for (const table of TABLES) counts[table.name] = await copyTable(sqlite, client, table, kek);
    // The log before the copy no longer says what changed: replicas already running reload whole.
    const [seq] = await recordChanges(client, [{ kind: 'all' }]);
    await client.query('UPDATE change_log_horizon SET pruned_through = $1', [seq]);
    return counts;
  }));
}
