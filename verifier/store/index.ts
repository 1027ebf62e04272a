/**
 * The verifier's registry: the repository contract any store implements and its SQLite
 * implementation. Only this part touches better-sqlite3.
 *
 * @module verifier/store
 */
export { openStore, type SqliteStore, type StoreOptions } from './store.js';
export type * from './repositories.js';
export { ConflictError, NotFoundError, RegistryFileGoneError, RegistryMissingError, StoreUnavailableError, ValidationError } from '../core/index.js';
export { SealedKeyError } from './postgres/sealed-keys.js';
export { DATABASE_FILE } from './db.js';
export type { ChangeListener } from './changes.js';
