/**
 * Secrets the operator did not set are generated once into files under `ARRA_DATA_DIR` (0600), so a
 * restart keeps them. An existing file must obey the variable's rules and be private, or the start stops.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_TOKEN_FILE, KEY_ENCRYPTION_KEY_FILE, WEBHOOK_SECRET_FILE } from '../../schemas/data-dir.js';
import { KeyEncryptionKey } from '../store/postgres/sealed-keys.js';
import { Secret } from '../core/index.js';
import { ConfigError, readTextFile, secretText, type Config, type VerifierConfig } from '../config.js';


export interface ResolvedSecrets {
  config: VerifierConfig;
  /** Set when this start generated the admin token file: the caller prints where it is. */
  generatedAdminToken: { path: string; value: string } | undefined;
}

export function resolveSecrets(config: Config): ResolvedSecrets {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const admin = config.adminToken ? undefined : readOrCreate(join(config.dataDir, ADMIN_TOKEN_FILE), 'ARRA_ADMIN_TOKEN');
  const webhook = config.webhookSecret ? undefined : readOrCreate(join(config.dataDir, WEBHOOK_SECRET_FILE), 'ARRA_WEBHOOK_SECRET');
  return {
    config: {
      ...config,
      adminToken: config.adminToken ?? new Secret(admin!.value),
      webhookSecret: config.webhookSecret ?? webhook!.value,
    },
    generatedAdminToken: admin?.created ? { path: admin.path, value: admin.value } : undefined,
  };
}

/** The file's secret, or a new one written into it; a readable-by-others file is refused, as OpenSSH refuses key files. */
function readOrCreate(path: string, variable: string): { path: string; value: string; created: boolean } {
  const existing = readSecretFile(path, variable);
  if (existing !== undefined) return { path, value: existing, created: false };
  // The prefix keeps a secret from starting with '-' (it would parse as an option) and makes a leak greppable.
  const value = `arra_${randomBytes(32).toString('base64url')}`;
  // link() refuses an existing name: two processes starting at once agree on one whole file.
  const part = `${path}.${process.pid}.part`;
  writeFileSync(part, `${value}\n`, { mode: 0o600, flag: 'w' });
  try {
    linkSync(part, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { path, value: readSecretFile(path, variable)!, created: false };
  } finally {
    unlinkSync(part);
  }
  return { path, value, created: true };
}

/** Undefined when there is no such file; a file that breaks a rule is a ConfigError. */
export function readSecretFile(path: string, variable: string): string | undefined {
  const file = readTextFile(path);
  if (file === undefined) return undefined;
  const { text, mode } = file;
  const problems: string[] = [];
  if ((mode & 0o077) !== 0) {
    problems.push(`${path}: group or others may access it (mode ${(mode & 0o777).toString(8)}); run: chmod 600 ${path}`);
  }
  const rules = secretText.safeParse(text);
  if (!rules.success) {
    const why = text.length === 0 ? 'is empty' : rules.error.issues.map((i) => i.message).join('; ');
    problems.push(`${path}: ${why} (the same rule as ${variable}); write a longer secret into it, or delete it to have one generated`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return text;
}

/** `ARRA_KEY_ENCRYPTION_KEY`, else its file; never generated: a replica with a new key could open no stored key. */
export function keyEncryptionKey(dataDir: string, fromEnv: string | undefined): KeyEncryptionKey {
  const file = join(dataDir, KEY_ENCRYPTION_KEY_FILE);
  const secret = fromEnv ?? readSecretFile(file, 'ARRA_KEY_ENCRYPTION_KEY');
  if (secret === undefined) {
    throw new ConfigError([`ARRA_KEY_ENCRYPTION_KEY is unset and ${file} does not exist: give every replica the same secret (at least 16 characters)`]);
  }
  if (!secretText.safeParse(secret).success) throw new ConfigError(['ARRA_KEY_ENCRYPTION_KEY: must be at least 16 characters']);
  return KeyEncryptionKey.fromSecret(secret);
}
