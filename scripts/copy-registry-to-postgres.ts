#!/usr/bin/env node
/**
 * `npx tsx scripts/copy-registry-to-postgres.ts`: copies the SQLite registry of `ARRA_DATA_DIR` into the
 * empty PostgreSQL database of `ARRA_DATABASE_URL` (or `ARRA_DATABASE_URL_FILE`), all or nothing, sealing private keys with
 * `ARRA_KEY_ENCRYPTION_KEY` (else `$ARRA_DATA_DIR/key-encryption-key`). Exit 2: a setting is missing or
 * wrong; 1: the copy failed and the target is unchanged.
 */
import { join } from 'node:path';
import pg from 'pg';
import { ConfigError, loadConfig } from '../verifier/config.js';
import { keyEncryptionKey } from '../verifier/http/secret-files.js';
import { DATABASE_FILE } from '../verifier/store/index.js';
import type { KeyEncryptionKey } from '../verifier/store/postgres/sealed-keys.js';
import { copySqliteToPostgres } from '../verifier/store/postgres/copy-from-sqlite.js';

const EXIT_USAGE = 2;

/** What to copy where with which key, or why not (a usage error). */
function settings(env: NodeJS.ProcessEnv): { sqlite: string; url: string; kek: KeyEncryptionKey } | string {
  // The verifier's own reading: ARRA_DATABASE_URL or ARRA_DATABASE_URL_FILE, with the same checks.
  const { dataDir, databaseUrl, keyEncryptionKey: key } = loadConfig(env);
  if (databaseUrl === undefined) return 'ARRA_DATABASE_URL: set it (or ARRA_DATABASE_URL_FILE) to the target database, postgres://user@host:port/db';
  return { sqlite: join(dataDir, DATABASE_FILE), url: databaseUrl, kek: keyEncryptionKey(dataDir, key) };
}

try {
  const chosen = settings(process.env);
  if (typeof chosen === 'string') {
    process.stderr.write(`copy-registry-to-postgres: ${chosen}\n`);
    process.exitCode = EXIT_USAGE;
  } else {
    const pool = new pg.Pool({ connectionString: chosen.url, max: 1 });
    try {
      const counts = await copySqliteToPostgres(chosen.sqlite, pool, chosen.kek);
      process.stdout.write(`copied ${chosen.sqlite} into PostgreSQL (key-encryption key ${chosen.kek.id}): ${JSON.stringify(counts)}\n`);
    } finally {
      await pool.end();
    }
  }
} catch (err) {
  const usage = err instanceof ConfigError;
  process.stderr.write(`copy-registry-to-postgres: ${(err as Error).message}${usage ? '' : ' (nothing was copied)'}\n`);
  process.exitCode = usage ? EXIT_USAGE : 1;
}
