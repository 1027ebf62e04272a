/**
 * The own tokens a verifier verified, kept across a restart (`remembered-tokens.json` in
 * `ARRA_DATA_DIR`, 0600), so a fleet reconnecting after an upgrade is not checked signature by
 * signature again. The file holds HMAC digests under its own key and each token's claims, never a
 * token; whoever can write it can also rewrite the registry beside it. Every remembered token is
 * still judged at every attempt (key ring, token record, device, exp). A file that does not read
 * back whole is ignored: the tokens are then verified in full, as on a first start.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { rememberedTokens, takeOverTokens, type RememberedTokens } from '../core/index.js';
import type { Logger } from '../../logging/logger.js';

const FILE = 'remembered-tokens.json';
const FORMAT = 1;
const KEY_BYTES = 32;

/** On disk each token is `[digest, kid, sub, jti, exp]`: a 50,000-token file stays a few MB. */
const TokensFile = z.object({
  format: z.literal(FORMAT),
  issuer: z.string(),
  audience: z.string(),
  key: z.string().base64().refine((key) => Buffer.from(key, 'base64').length === KEY_BYTES, `a ${KEY_BYTES}-byte key`),
  tokens: z.array(z.tuple([z.string().min(1), z.string().min(1), z.string().min(1), z.string().min(1), z.number().int()])),
});

interface Scope {
  dataDir: string;
  issuer: string;
  audience: string;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** At start, before any attempt; the log says how many were taken over (none without a usable file). */
export function takeOverRememberedTokens(scope: Scope, logger: Logger): void {
  let text: string;
  try {
    text = readFileSync(join(scope.dataDir, FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') logger.warn({ err, file: FILE }, 'remembered tokens unreadable: each token is verified in full');
    return;
  }
  const parsed = parse(text);
  if (!parsed.success) {
    logger.warn({ file: FILE, problem: parsed.problem }, 'remembered tokens unreadable: each token is verified in full');
    return;
  }
  const { format: _format, key, tokens, ...verifiedFor } = parsed.data;
  const remembered: RememberedTokens = {
    ...verifiedFor,
    key: Buffer.from(key, 'base64'),
    tokens: tokens.map(([digest, kid, sub, jti, exp]) => ({ digest, claims: { kid, sub, jti, exp } })),
  };
  const taken = takeOverTokens(remembered, scope, nowSeconds());
  logger.info({ file: FILE, remembered: tokens.length, takenOver: taken, sameIssuer: remembered.issuer === scope.issuer && remembered.audience === scope.audience }, 'verified tokens of the last run taken over');
}

function parse(text: string): { success: true; data: z.infer<typeof TokensFile> } | { success: false; problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { success: false, problem: 'not JSON' };
  }
  const result = TokensFile.safeParse(json);
  return result.success ? result : { success: false, problem: result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).slice(0, 3).join('; ') };
}

/** At a graceful stop, after the last attempt: written whole (a temporary file renamed over it). */
export function keepRememberedTokens(scope: Scope, logger: Logger): void {
  const { key, tokens } = rememberedTokens(scope, nowSeconds());
  const file = {
    format: FORMAT,
    issuer: scope.issuer,
    audience: scope.audience,
    key: Buffer.from(key).toString('base64'),
    tokens: tokens.map(({ digest, claims }) => [digest, claims.kid, claims.sub, claims.jti, claims.exp]),
  };
  const path = join(scope.dataDir, FILE);
  const part = `${path}.${process.pid}.part`;
  try {
    writeFileSync(part, JSON.stringify(file), { mode: 0o600 });
    renameSync(part, path);
    logger.info({ file: FILE, tokens: tokens.length }, 'verified tokens kept for the next start');
  } catch (err) {
    logger.warn({ err, file: FILE }, 'verified tokens not kept: the next start verifies each in full');
  }
}
