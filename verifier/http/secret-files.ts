/**
 * Secrets the operator did not set are generated once and kept in files under `ARRA_DATA_DIR`
 * (mode 0600), so a restart keeps the same admin token and the brokers keep their webhook secret.
 * The admin token's text is read, reduced to a {@link Secret} (its SHA-256) and dropped.
 *
 * @module verifier/http/secret-files
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Secret, type Config, type VerifierConfig } from '../config.js';

export const ADMIN_TOKEN_FILE = 'admin-token';
export const WEBHOOK_SECRET_FILE = 'webhook-secret';

export interface ResolvedSecrets {
  config: VerifierConfig;
  /** Set when this start generated the admin token file: the caller prints where it is. */
  generatedAdminToken: { path: string; value: string } | undefined;
}

/** Fills in the secrets the environment left unset from (or into) their files. */
export function resolveSecrets(config: Config): ResolvedSecrets {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const admin = config.adminToken ? undefined : readOrCreate(join(config.dataDir, ADMIN_TOKEN_FILE));
  const webhook = config.webhookSecret ? undefined : readOrCreate(join(config.dataDir, WEBHOOK_SECRET_FILE));
  return {
    config: {
      ...config,
      adminToken: config.adminToken ?? new Secret(admin!.value),
      webhookSecret: config.webhookSecret ?? webhook!.value,
    },
    generatedAdminToken: admin?.created ? { path: admin.path, value: admin.value } : undefined,
  };
}

function readOrCreate(path: string): { path: string; value: string; created: boolean } {
  try {
    const value = readFileSync(path, 'utf8').trim();
    if (value.length > 0) return { path, value, created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  // A fixed prefix: base64url may start with '-', and a secret that looks like an option breaks
  // `arra-mq --token "$T"` (and any shell script passing it) one start in 32. It also makes a
  // leaked secret easy to recognise and grep for.
  const value = `arra_${randomBytes(32).toString('base64url')}`;
  // 'wx' refuses to overwrite: two processes starting at once cannot hand out different tokens.
  writeFileSync(path, `${value}\n`, { mode: 0o600, flag: 'wx' });
  return { path, value, created: true };
}
