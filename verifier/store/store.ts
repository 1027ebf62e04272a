/**
 * `openStore`: the registry on one SQLite file, as the core's read port plus the admin repositories.
 *
 * @module verifier/store/store
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/index.js';
import { createWriter } from './changes.js';
import type { StoreContext } from './context.js';
import { createCredentialRepository } from './credentials.js';
import { fileIdentityCheck, openDatabase, resolveDatabasePath, type DatabaseLocation } from './db.js';
import { createDeviceCaRepository } from './device-ca.js';
import { createDeviceRepository } from './devices.js';
import { createGroupRepository } from './groups.js';
import { createImportRepository } from './import.js';
import { createSigningKeyRepository } from './keys.js';
import { createLookups } from './lookups.js';
import { createRegistryReads } from './registry-reads.js';
import type { Store } from './repositories.js';
import { createRuleRepository } from './rules.js';
import { createTokenRepository } from './tokens.js';

export interface StoreOptions extends DatabaseLocation {
  logger?: Logger;
  clock?: Clock;
}

export interface SqliteStore extends Store {
  /** The database file in use. */
  readonly path: string;
}

export async function openStore(options: StoreOptions): Promise<SqliteStore> {
  const path = resolveDatabasePath(options);
  const db = openDatabase(options, options.logger);
  try {
    const assertFileIsOpen = fileIdentityCheck(path);
    const clock = options.clock ?? Date;
    const ctx: StoreContext = {
      db,
      writer: createWriter(db, { logger: options.logger, beforeWrite: assertFileIsOpen }),
      now: () => clock.now(),
      logger: options.logger,
      lookups: createLookups(db),
    };
    const pingStatement = db.prepare('SELECT 1').pluck();
    options.logger?.info({ path }, 'registry store open');
    return {
      path,
      ...createRegistryReads(db),
      onChange: ctx.writer.onChange,
      devices: createDeviceRepository(ctx),
      credentials: createCredentialRepository(ctx),
      tokens: createTokenRepository(ctx),
      groups: createGroupRepository(ctx),
      rules: createRuleRepository(ctx),
      signingKeys: createSigningKeyRepository(ctx),
      deviceCa: createDeviceCaRepository(ctx),
      imports: createImportRepository(ctx),
      async ping() {
        assertFileIsOpen();
        pingStatement.get();
      },
      async close() {
        if (db.open) db.close();
      },
    };
  } catch (err) {
    db.close();
    throw err;
  }
}
