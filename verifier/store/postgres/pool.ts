/**
 * The pool (BIGINT read as a number: unix ms and ids fit) and what every PostgreSQL repository uses.
 *
 * @module verifier/store/postgres/pool
 */
import pg from 'pg';
import { ConflictError, NotFoundError, ServiceUnavailableError } from '../../core/index.js';

const INT8_OID = 20;
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format ?? 'text'),
} as pg.CustomTypesConfig;

export function createPool(url: string, max = 8): pg.Pool {
  return new pg.Pool({ connectionString: url, max, types, application_name: 'arra-verifier', connectionTimeoutMillis: 5000 });
}

/** Runs `fn` in one transaction on one pooled connection: COMMIT when it returns, ROLLBACK when it throws. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await pool.connect();
  // A connection lost while checked out emits 'error', fatal when unhandled; the query fails anyway.
  const ignore = () => undefined;
  client.on('error', ignore);
  let broken: Error | undefined;
  try {
    await client.query(begin);
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (err instanceof Error && unreachable(err as pg.DatabaseError)) broken = err;
    throw err;
  } finally {
    client.off('error', ignore);
    client.release(broken); // a broken connection is closed, not handed out again
  }
}

/** `@name` placeholders to `$n`, so statements read as the SQLite ones do. */
export function bind(text: string, params: Record<string, unknown>): { text: string; values: unknown[] } {
  const names: string[] = [];
  const sql = text.replace(/@([a-zA-Z]+)/g, (_m, name: string) => {
    if (!(name in params)) throw new Error(`statement parameter @${name} is not given`);
    const at = names.indexOf(name);
    if (at >= 0) return `$${at + 1}`;
    names.push(name);
    return `$${names.length}`;
  });
  return { text: sql, values: names.map((n) => params[n]) };
}

/** A PostgreSQL row in the SQLite row shape (0/1 flags), for the SQLite store's row mappers. */
export function sqliteRow<T>(row: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) out[key] = typeof value === 'boolean' ? Number(value) : value;
  return out as T;
}

/** The server, or the way to it, is gone: SQLSTATE classes 08 (connection) and 57P (shutdown), errno codes, pg's own. */
function unreachable(err: { code?: string; message?: string }): boolean {
  return /^(08|57P)/.test(err.code ?? '') || /^E[A-Z]+$/.test(err.code ?? '') || /Connection terminated|timeout exceeded when trying to connect/.test(err.message ?? '');
}

/**
 * A PostgreSQL error as the verifier's: a constraint another replica's concurrent write tripped as the
 * error the same check would throw here; an unreachable database as 503 (retry), never a 500.
 */
export function registryError(err: unknown): unknown {
  const e = err as pg.DatabaseError;
  if (e.code === '23505') return new ConflictError(`already exists (${e.constraint ?? 'unique'})`);
  if (e.code === '23503') return new NotFoundError(`a row it refers to was removed (${e.constraint ?? 'foreign key'})`);
  if (err instanceof Error && unreachable(e)) return new ServiceUnavailableError(`the registry database does not answer (${e.message}); retry later`);
  return err;
}
