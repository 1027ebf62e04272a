/**
 * Wire contracts of the admin API (`/v1/admin/...`): request bodies, query strings, path parameters and
 * responses. The HTTP routes validate with these, the CLI sends and reads them, and the store's admin
 * operations take and return exactly these types, so the three cannot drift apart.
 *
 * Conventions: timestamps are ISO 8601 strings (UTC on output); secrets (passwords, private keys, tokens)
 * appear only in the one response that creates them, never in a read.
 *
 * @module schemas/admin
 */
export * from './admin-common.js';
export * from './admin-devices.js';
export * from './admin-access.js';
export * from './admin-import.js';
export * from './admin-keys.js';
export * from './admin-explain.js';
export * from './admin-connections.js';
