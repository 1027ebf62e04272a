/**
 * Secrets the operator did not set are generated once and kept in files under `ARRA_DATA_DIR`
 * (mode 0600), so a restart keeps the same admin token and the brokers keep their webhook secret.
 * The admin token's text is read, reduced to a {@link Secret} (its SHA-256) and dropped. A file that
 * exists must obey the variable's rules and be private; otherwise the start stops with a ConfigError.
 *
 * @module verifier/http/secret-files
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_TOKEN_FILE, WEBHOOK_SECRET_FILE } from '../../schemas/data-dir.js';
import { Secret } from '../core/index.js';
import { ConfigError, secretText, type Config, type VerifierConfig } from '../config.js';


export interface ResolvedSecrets {
  config: VerifierConfig;
  /** Set when this start generated the admin token file: the caller prints where it is. */
  generatedAdminToken: { path: string; value: string } | undefined;
}

/** Fills in the secrets the environment left unset from (or into) their files. */
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

/**
 * The file's secret, or a new one written into it when it does not exist. An existing file obeys the
 * rules the environment variable does (at least 16 characters), and it must be private (0600): a token
 * others can read is no token, so the start refuses, as OpenSSH and PostgreSQL refuse a key file with
 * group or world access, rather than warn in a log nobody reads.
 */
function readOrCreate(path: string, variable: string): { path: string; value: string; created: boolean } {
  const existing = readSecretFile(path, variable);
  if (existing !== undefined) return { path, value: existing, created: false };
  // A fixed prefix: base64url may start with '-', and a secret that looks like an option breaks
  // `arra-mq --token "$T"` (and any shell script passing it) one start in 32. It also makes a
  // leaked secret easy to recognise and grep for.
  const value = `arra_${randomBytes(32).toString('base64url')}`;
  // Written whole under another name, then linked into place: link() refuses an existing name, so two
  // processes starting at once cannot hand out different secrets, and neither ever reads a half-written
  // file. The loser reads the winner's.
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

/**
 * The secret in `path`, undefined when there is no such file; a file that breaks a rule is a ConfigError.
 * The broker reads the webhook secret with it too (`runtime/webhook-secret.ts`).
 */
export function readSecretFile(path: string, variable: string): string | undefined {
  let text: string;
  let mode: number;
  try {
    mode = statSync(path).mode;
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError([`${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`]);
  }
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
