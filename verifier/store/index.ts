/**
 * The verifier's SQLite registry: devices, credentials, tokens, groups, ACL rules, signing keys and the
 * device CA. Only this part touches better-sqlite3.
 *
 * @module verifier/store
 */
export { openStore, type Store, type StoreOptions } from './store.js';
export { ConflictError, NotFoundError, StoreError, ValidationError, type FieldError, type StoreErrorCode } from './errors.js';
export { parseImportCsv } from './import-csv.js';
export { DATABASE_FILE } from './db.js';
export type { ChangeListener } from './changes.js';
