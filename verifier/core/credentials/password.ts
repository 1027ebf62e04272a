/**
 * The secret is checked against every password of the device, each in constant time, and an unknown
 * device still costs one scrypt: the timing tells neither which credential matched nor which ids exist.
 */
import { isDeviceName } from '../identifiers.js';
import { hashPassword, verifyPassword } from '../password.js';
import type { Logger, PasswordCredential } from '../ports.js';
import { isPast, refuse, toUnixSeconds, type CredentialContext, type CredentialOutcome } from './outcome.js';
import { VerifiedMemory } from './verified-secrets.js';

let dummyHash: Promise<string> | undefined;
const verified = new VerifiedMemory<boolean>();

/** Matches the secret against one stored hash; a corrupt hash is logged and never matches (fail closed). */
async function matches(secret: string, credential: PasswordCredential, logger: Logger): Promise<boolean> {
  try {
    return await verified.once(verified.digest([credential.hash, secret]), () => verifyPassword(secret, credential.hash), (ok) => ok);
  } catch (err) {
    logger.error({ err, credentialId: credential.id, deviceId: credential.deviceId }, 'stored password hash unusable');
    return false;
  }
}

/** The device's password credentials and, for each, whether this secret verified against it before. */
export interface RecalledPasswords {
  credentials: readonly PasswordCredential[];
  known: readonly boolean[];
}

/** Which stored hashes this secret verified against before (no scrypt needed for those). */
export function recallPasswords(credentials: readonly PasswordCredential[], secret: string): RecalledPasswords {
  return { credentials, known: credentials.map((c) => verified.recall(verified.digest([c.hash, secret])) === true) };
}

/** `recalled`: as read by the lockout step in this attempt; synchronous when every hash is known. */
export function checkPassword(
  ctx: CredentialContext,
  logger: Logger,
  username: string,
  secret: string,
  recalled?: RecalledPasswords,
): CredentialOutcome | Promise<CredentialOutcome> {
  if (!isDeviceName(username)) return refuse('invalid_request', 'username cannot name a device');
  const credentials = ctx.registry.getDevice(username) ? (recalled?.credentials ?? ctx.registry.listPasswordCredentials(username)) : undefined;
  if (credentials === undefined || credentials.length === 0) return checkWithoutCredentials(secret, credentials);
  const known = recalled?.credentials === credentials ? recalled.known : [];
  const results = credentials.map((c, i) => known[i] || matches(secret, c, logger));
  if (results.every((r) => r === true)) return judge(ctx, username, credentials, results);
  return Promise.all(results).then((settled) => judge(ctx, username, credentials, settled));
}

/** Costs one scrypt like a wrong password, so the timing does not tell which ids exist. */
async function checkWithoutCredentials(secret: string, credentials: readonly PasswordCredential[] | undefined): Promise<CredentialOutcome> {
  await verifyPassword(secret, await (dummyHash ??= hashPassword('arra-mq timing equaliser')));
  if (credentials === undefined) return refuse('unknown_device', 'no device with this username');
  return refuse('bad_credentials', 'device has no password credential');
}

function judge(ctx: CredentialContext, username: string, credentials: readonly PasswordCredential[], results: readonly boolean[]): CredentialOutcome {
  const matched = credentials.filter((_, i) => results[i]);
  const now = ctx.clock.now();
  const valid = matched.find((c) => !c.revoked && !isPast(c.notAfter, now));
  if (valid) {
    return { ok: true, deviceId: username, credential: { kind: 'password', id: valid.id }, expiresAt: toUnixSeconds(valid.notAfter) };
  }
  if (matched.some((c) => c.revoked)) return refuse('revoked', 'password credential revoked');
  if (matched.length > 0) return refuse('expired', 'password credential expired');
  return refuse('bad_credentials', 'wrong password');
}
