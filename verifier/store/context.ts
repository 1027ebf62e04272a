/**
 * What every group of store operations is built from: the open database, the transactional writer
 * (which also announces changes) and the clock.
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
  /** Unix milliseconds; injected so tests can pin time. */
  now(): number;
  logger?: Logger;
  lookups: Lookups;
}
