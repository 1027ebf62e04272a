/**
 * `openStore`: the verifier's registry on one SQLite file. The returned object is the decision core's
 * `RegistryStore` and `KeyRing`, plus every admin operation the HTTP API and the CLI call, `ping()` for
 * health checks and `close()`.
 *
 * @example
 * ```ts
 * const store = await openStore({ dataDir: '/var/lib/arra-mq', logger });
 * const decider = createDecider({ store, keys: store, ... });
 * store.createDevice({ id: 'dev-1', groups: ['sensors'] });
 * ```
 *
 * @module verifier/store/store
 */
import type { Logger } from 'pino';
import type { Clock, KeyRing, RegistryStore } from '../core/index.js';
import { createCertificateOps, type CertificateOps } from './certificates.js';
import { createWriter } from './changes.js';
import type { StoreContext } from './context.js';
import { createCredentialOps, type CredentialOps } from './credentials.js';
import { fileIdentityCheck, openDatabase, resolveDatabasePath, type DatabaseLocation } from './db.js';
import { createDeviceOps, type DeviceOps } from './devices.js';
import { createGroupOps, type GroupOps } from './groups.js';
import { createImportOps, type ImportOps } from './import.js';
import { createKeyOps, type KeyOps } from './keys.js';
import { createLookups } from './lookups.js';
import { createRegistryReads } from './registry-reads.js';
import { createRuleOps, type RuleOps } from './rules.js';
import { createTokenOps, type TokenOps } from './tokens.js';

export interface StoreOptions extends DatabaseLocation {
  logger?: Logger;
  clock?: Clock;
}

export interface Store
  extends RegistryStore,
    KeyRing,
    Omit<KeyOps, keyof KeyRing>,
    DeviceOps,
    CredentialOps,
    CertificateOps,
    TokenOps,
    GroupOps,
    RuleOps,
    ImportOps {
  /** The database file in use. */
  readonly path: string;
  /** Throws when the database cannot answer, or its file was deleted or replaced (for `/healthz`). */
  ping(): void;
  close(): void;
}

export async function openStore(options: StoreOptions): Promise<Store> {
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
    const credentials = createCredentialOps(ctx);
    const keys = await createKeyOps(ctx);
    const certificates = await createCertificateOps(ctx, credentials);
    const pingStatement = db.prepare('SELECT 1').pluck();
    options.logger?.info({ path }, 'registry store open');
    return {
      path,
      ...createRegistryReads(db),
      onChange: ctx.writer.onChange,
      ...keys,
      ...createDeviceOps(ctx),
      ...credentials,
      ...certificates,
      ...createTokenOps(ctx),
      ...createGroupOps(ctx),
      ...createRuleOps(ctx),
      ...createImportOps(ctx),
      ping() {
        assertFileIsOpen();
        pingStatement.get();
      },
      close() {
        if (db.open) db.close();
      },
    };
  } catch (err) {
    db.close();
    throw err;
  }
}
