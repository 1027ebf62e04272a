/**
 * What every SQLite repository is built from.
 *
 * @module verifier/store/context
 */
import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Writer } from './changes.js';
import type { Lookups } from './lookups.js';

export interface StoreContext {
  db: Database;
  writer: Writer;
  now(): number;
  logger?: Logger;
  lookups: Lookups;
}
