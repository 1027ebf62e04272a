/**
 * The verifier's SQLite registry: devices, credentials, tokens, groups, ACL rules, signing keys and the
 * device CA. Only this part touches better-sqlite3.
 *
 * @module verifier/store
 */
export { openStore, type Store, type StoreOptions } from './store.js';
export { ConflictError, NotFoundError, RegistryFileGoneError, RegistryMissingError, StoreError, ValidationError, type FieldError, type StoreErrorCode } from './errors.js';
export { parseImportCsv } from './import-csv.js';
export { DATABASE_FILE } from './db.js';
export type { ChangeListener } from './changes.js';
export type { DeviceOps } from './devices.js';
export type { CredentialOps } from './credentials.js';
export type { CertificateOps } from './certificates.js';
export type { TokenOps } from './tokens.js';
export type { GroupOps } from './groups.js';
export type { RuleOps } from './rules.js';
export type { ImportOps } from './import.js';
export type { KeyOps } from './keys.js';
