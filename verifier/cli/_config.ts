/** The token: `--token`, `--token-file`, `ARRA_ADMIN_TOKEN`, `$ARRA_DATA_DIR/admin-token`; never printed. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ADMIN_TOKEN_FILE, SERVER_CA_FILE } from '../../schemas/data-dir.js';
import { UnauthorizedError, UsageError } from './_errors.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';
const DEFAULT_DATA_DIR = './data';

export interface ConnectionFlags {
  url?: string | undefined;
  token?: string | undefined;
  tokenFile?: string | undefined;
}

const BaseUrl = z.url({ protocol: /^https?$/ });

/** `--url`, else `ARRA_URL`, else the default; must be an http(s) URL. */
export function resolveBaseUrl(flags: ConnectionFlags, env: NodeJS.ProcessEnv): string {
  const raw = flags.url ?? env.ARRA_URL ?? DEFAULT_URL;
  const parsed = BaseUrl.safeParse(raw);
  if (!parsed.success) {
    throw new UsageError(`--url / ARRA_URL: must be an http:// or https:// URL, got "${raw}"`);
  }
  const url = new URL(parsed.data);
  // The URL is printed in messages; credentials in it would leak there. The token has its own flag.
  if (url.username !== '' || url.password !== '') {
    throw new UsageError('--url / ARRA_URL: must not contain credentials; pass the admin token with --token-file');
  }
  return parsed.data.replace(/\/+$/, '');
}

export async function resolveToken(flags: ConnectionFlags, env: NodeJS.ProcessEnv): Promise<string> {
  if (flags.token !== undefined) return nonEmpty(flags.token, '--token');
  if (flags.tokenFile !== undefined) return readTokenFile(flags.tokenFile, '--token-file', true);
  if (env.ARRA_ADMIN_TOKEN !== undefined && env.ARRA_ADMIN_TOKEN !== '') return env.ARRA_ADMIN_TOKEN.trim();
  const dataFile = join(env.ARRA_DATA_DIR ?? DEFAULT_DATA_DIR, ADMIN_TOKEN_FILE);
  return readTokenFile(dataFile, 'ARRA_DATA_DIR', false);
}

function nonEmpty(token: string, source: string): string {
  const trimmed = token.trim();
  if (trimmed === '') throw new UsageError(`${source}: the admin token is empty`);
  return trimmed;
}

async function readTokenFile(path: string, source: string, named: boolean): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (named) throw new UsageError(`${source}: cannot read ${path}: ${(error as Error).message}`);
    throw new UnauthorizedError(
      `no admin token: pass --token or --token-file, set ARRA_ADMIN_TOKEN, or point ARRA_DATA_DIR at the verifier's data directory (tried ${path})`,
    );
  }
  return nonEmpty(text, `${source} (${path})`);
}

/** For an https URL, also trust the verifier's server CA in `$ARRA_DATA_DIR` when it is there (the CLI beside a verifier). */
export async function resolveServerCa(baseUrl: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (!baseUrl.startsWith('https:')) return undefined;
  try {
    return await readFile(join(env.ARRA_DATA_DIR ?? DEFAULT_DATA_DIR, SERVER_CA_FILE), 'utf8');
  } catch {
    return undefined;
  }
}
