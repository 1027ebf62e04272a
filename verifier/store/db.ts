/**
 * Opens the registry's SQLite file with the durability settings the product promises, then migrates it.
 *
 * - WAL + `synchronous = FULL`: a write the API acknowledged survives kill -9 and power loss.
 * - `foreign_keys = ON`: deletes cascade (device → credentials, tokens, rules).
 * - `busy_timeout`: the CLI and the service may share the file; wait for the lock instead of failing.
 * - The data directory is 0700 and the database 0600: it holds password hashes and private keys.
 * - A marker file beside the database (`registry.sqlite.created`) remembers that a registry lived
 *   here: if the database is gone at the next start, the start refuses instead of creating an empty
 *   one (new CA, new keys, no devices) that the old admin token would still open.
 * - {@link fileIdentityCheck} notices the file being deleted or replaced while it is open.
 *
 * @module verifier/store/db
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { RegistryFileGoneError, RegistryMissingError } from '../core/index.js';
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
  refuseMissingRegistry(path);
  createPrivateFile(path);
  markRegistryCreated(path);
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

const markerOf = (path: string) => `${path}.created`;

/**
 * The marker, not the secrets, is the evidence: the data directory alone cannot say that a registry
 * lived there, because an installer may generate the secrets before the first start (lxc/install.sh does).
 */
function refuseMissingRegistry(path: string): void {
  const marker = markerOf(path);
  if (!existsSync(path) && existsSync(marker)) {
    throw new RegistryMissingError(
      `${path} is missing, but ${marker} says a registry was created here: restore the registry from a backup ` +
        `(or point ARRA_DATA_DIR at the right directory); to start afresh with a new CA, new signing keys and ` +
        `no devices, move this directory aside`,
    );
  }
}

/** Also written for a registry created before markers existed. */
function markRegistryCreated(path: string): void {
  const marker = markerOf(path);
  if (existsSync(marker)) return;
  writeFileSync(marker, `${new Date().toISOString()}: registry created. While this file exists, the verifier refuses to start without ${path}.\n`, { mode: 0o600 });
}

/**
 * A check that throws {@link RegistryFileGoneError} once `path` no longer names the file that was open
 * when it was made (deleted, or replaced by another file): compared by device and inode.
 */
export function fileIdentityCheck(path: string): () => void {
  const opened = statSync(path);
  return () => {
    let now: { dev: number; ino: number } | undefined;
    try {
      now = statSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (now?.dev === opened.dev && now.ino === opened.ino) return;
    throw new RegistryFileGoneError(
      `the registry file ${path} was ${now ? 'replaced' : 'deleted'} while the verifier runs; writes are refused ` +
        '(they would be lost): restore the file and restart the verifier',
    );
  };
}

/** SQLite gives the -wal and -shm files the main file's mode, so 0600 here covers all three. */
function createPrivateFile(path: string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}
