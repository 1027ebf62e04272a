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
    return await verified.once([credential.hash, secret], () => verifyPassword(secret, credential.hash), (ok) => ok);
  } catch (err) {
    logger.error({ err, credentialId: credential.id, deviceId: credential.deviceId }, 'stored password hash unusable');
    return false;
  }
}

/** Was this secret verified against one of the device's stored hashes before (no scrypt needed)? */
export function isKnownPassword(credentials: readonly PasswordCredential[], secret: string): boolean {
  return credentials.some((c) => verified.recall([c.hash, secret]) === true);
}

/** `listed`: the device's password credentials as already read in this attempt (by the lockout step). */
export async function checkPassword(
  ctx: CredentialContext,
  logger: Logger,
  username: string,
  secret: string,
  listed?: readonly PasswordCredential[],
): Promise<CredentialOutcome> {
  if (!isDeviceName(username)) return refuse('invalid_request', 'username cannot name a device');
  const credentials = ctx.registry.getDevice(username) ? (listed ?? ctx.registry.listPasswordCredentials(username)) : undefined;
  if (credentials === undefined || credentials.length === 0) {
    await verifyPassword(secret, await (dummyHash ??= hashPassword('arra-mq timing equaliser')));
  }
  if (credentials === undefined) return refuse('unknown_device', 'no device with this username');
  const results = await Promise.all(credentials.map((c) => matches(secret, c, logger)));
  const matched = credentials.filter((_, i) => results[i]);
  const now = ctx.clock.now();
  const valid = matched.find((c) => !c.revoked && !isPast(c.notAfter, now));
  if (valid) {
    return { ok: true, deviceId: username, credential: { kind: 'password', id: valid.id }, expiresAt: toUnixSeconds(valid.notAfter) };
  }
  if (matched.some((c) => c.revoked)) return refuse('revoked', 'password credential revoked');
  if (matched.length > 0) return refuse('expired', 'password credential expired');
  return refuse('bad_credentials', credentials.length === 0 ? 'device has no password credential' : 'wrong password');
}
