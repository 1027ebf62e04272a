/**
 * What every PostgreSQL repository is built from. `write`: one transaction under one lock (writers
 * queue as in SQLite, so a check holds until COMMIT), changes logged last, returning once this
 * replica's mirror shows it.
 *
 * @module verifier/store/postgres/context
 */
import type pg from 'pg';
import type { Change } from '../../core/index.js';
import type { Mirrored } from './mirrored.js';
import { recordChanges } from './change-bus.js';
import { bind, registryError, inTransaction } from './pool.js';
import type { KeyEncryptionKey } from './sealed-keys.js';

/** `pg_advisory_xact_lock` key every registry write takes first ('arra-wri' as an int8). */
const WRITE_LOCK = 0x6172_7261_7772_69n;

type Params = Record<string, unknown>;

export interface PgTransaction {
  rows<R>(text: string, params?: Params): Promise<R[]>;
  /** Runs a statement; returns the rows it touched. */
  run(text: string, params?: Params): Promise<number>;
  changed(change: Change): void;
}

export interface PgContext {
  pool: pg.Pool;
  kek: KeyEncryptionKey;
  now(): number;
  write<T>(fn: (tx: PgTransaction) => Promise<T>): Promise<T>;
  mirror(): Mirrored;
}

export type ApplyLocal = (changes: readonly Change[], seqs: readonly number[]) => Promise<void>;

export function transactionOf(client: pg.ClientBase, changes: Change[]): PgTransaction {
  return {
    async rows<R>(text: string, params: Params = {}) {
      return (await client.query(bind(text, params))).rows as R[];
    },
    async run(text, params = {}) {
      return (await client.query(bind(text, params))).rowCount ?? 0;
    },
    changed: (change) => changes.push(change),
  };
}

export function createWrite(pool: pg.Pool, now: () => number, applyLocal: ApplyLocal): PgContext['write'] {
  return async (fn) => {
    const changes: Change[] = [];
    let seqs: number[] = [];
    const result = await inTransaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK.toString()]);
      const value = await fn(transactionOf(client, changes));
      seqs = await recordChanges(client, changes, now());
      return value;
    }).catch((err: unknown) => {
      throw registryError(err);
    });
    await applyLocal(changes, seqs);
    return result;
  };
}
