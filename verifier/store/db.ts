/**
 * Opens the registry's SQLite file with the durability settings the product promises, then migrates it.
 *
 * - WAL + `synchronous = FULL`: a write the API acknowledged survives kill -9 and power loss.
 * - `foreign_keys = ON`: deletes cascade (device → credentials, tokens, rules).
 * - `busy_timeout`: the CLI and the service may share the file; wait for the lock instead of failing.
 * - The data directory is 0700 and the database 0600: it holds password hashes and private keys.
 *
 * @module verifier/store/db
 */
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { migrate } from './migrations.js';

export const DATABASE_FILE = 'registry.sqlite';
const BUSY_TIMEOUT_MS = 5000;

export interface DatabaseLocation {
  /** Directory holding `registry.sqlite`; created 0700 when missing. */
  dataDir?: string;
  /** Explicit database file; its directory is created 0700 when missing. */
  path?: string;
}

export function resolveDatabasePath(location: DatabaseLocation): string {
  if (location.path) return location.path;
  if (location.dataDir) return join(location.dataDir, DATABASE_FILE);
  throw new Error('openStore needs dataDir or path');
}

export function openDatabase(location: DatabaseLocation, logger?: Logger): Database.Database {
  const path = resolveDatabasePath(location);
  createPrivateFile(path);
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const applied = migrate(db);
    if (applied.length > 0) logger?.info({ path, applied }, 'registry schema migrated');
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** SQLite gives the -wal and -shm files the main file's mode, so 0600 here covers all three. */
function createPrivateFile(path: string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}
