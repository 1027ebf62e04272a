/**
 * `openPostgresStore`: the registry of one replica of many; writes to PostgreSQL, reads from the mirror.
 *
 * @module verifier/store/postgres/store
 */
import type { Logger } from 'pino';
import { StoreUnavailableError, type Clock } from '../../core/index.js';
import type { Store } from '../repositories.js';
import { createPgGroupRepository, createPgRuleRepository } from './access.js';
import { pruneChanges } from './change-bus.js';
import { createWrite, type PgContext } from './context.js';
import { createPgCredentialRepository, createPgDeviceRepository, createPgTokenRepository } from './devices.js';
import { createPgImportRepository } from './import.js';
import { createPgDeviceCaRepository, createPgSigningKeyRepository } from './keys.js';
import { migratePostgres } from './migrate.js';
import { mirrored } from './mirrored.js';
import { startMirrorSync } from './mirror-sync.js';
import { createPool } from './pool.js';
import type { KeyEncryptionKey } from './sealed-keys.js';

export interface PostgresStoreOptions {
  /** `postgres://user@host:port/db` (`ARRA_DATABASE_URL`). */
  url: string;
  kek: KeyEncryptionKey;
  /** The mirror's file (rebuilt at every start) or `:memory:`. */
  mirrorPath: string;
  logger?: Logger;
  clock?: Clock;
  /** How often this replica prunes the change log (default 10 min); rows older than a day go. */
  pruneEveryMs?: number;
}

/**
 * The change log serves replicas catching up after a lost connection (a restart reloads the mirror
 * whole); one that fell behind a day re-checks everything.
 */
const CHANGE_LOG_RETENTION_MS = 24 * 3600_000;

export interface PostgresStore extends Store {
  readonly revisions: NonNullable<Store['revisions']>;
}

/** The URL without its password, for messages. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return '(not a URL)';
  }
}

function unusable(url: string, err: unknown): StoreUnavailableError {
  return new StoreUnavailableError(`ARRA_DATABASE_URL: cannot use PostgreSQL at ${redactedUrl(url)}: ${(err as Error).message}`);
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const { url, logger } = options;
  const clock = options.clock ?? Date;
  const pool = createPool(url);
  pool.on('error', (err) => logger?.warn({ err }, 'an idle PostgreSQL connection failed'));
  try {
    const applied = await migratePostgres(pool);
    if (applied.length > 0) logger?.info({ applied }, 'registry schema migrated');
  } catch (err) {
    await pool.end();
    throw unusable(url, err);
  }
  const sync = await startMirrorSync({ pool, url, path: options.mirrorPath, view: mirrored, logger }).catch(async (err: unknown) => {
    await pool.end();
    throw unusable(url, err);
  });
  const now = () => clock.now();
  const ctx: PgContext = { pool, kek: options.kek, now, write: createWrite(pool, now, sync.applyLocal), mirror: () => sync.view() };
  const reads = () => sync.view().reads;
  const pruning = setInterval(() => {
    pruneChanges(pool, CHANGE_LOG_RETENTION_MS, clock.now()).catch((err: unknown) => logger?.warn({ err }, 'change log could not be pruned'));
  }, options.pruneEveryMs ?? 600_000);
  pruning.unref();
  logger?.info({ url: redactedUrl(url), mirror: options.mirrorPath }, 'registry store open on PostgreSQL');
  return {
    getDevice: (id) => reads().getDevice(id),
    getGroup: (name) => reads().getGroup(name),
    getGroupsByIssuer: (issuer) => reads().getGroupsByIssuer(issuer),
    listPasswordCredentials: (deviceId) => reads().listPasswordCredentials(deviceId),
    listCertificates: (deviceId) => reads().listCertificates(deviceId),
    findCertificate: (fingerprint) => reads().findCertificate(fingerprint),
    getToken: (jti) => reads().getToken(jti),
    rulesFor: (device) => reads().rulesFor(device),
    onChange: sync.onChange,
    devices: createPgDeviceRepository(ctx),
    credentials: createPgCredentialRepository(ctx),
    tokens: createPgTokenRepository(ctx),
    groups: createPgGroupRepository(ctx),
    rules: createPgRuleRepository(ctx),
    signingKeys: createPgSigningKeyRepository(ctx, sync.onKeysChanged),
    deviceCa: createPgDeviceCaRepository(ctx),
    imports: createPgImportRepository(ctx),
    revisions: sync.revisions,
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      clearInterval(pruning);
      await sync.close();
      await pool.end();
    },
  };
}
