/**
 * Issues a device token signed with the active key. The caller (admin API, CLI) records the returned
 * `jti` in the registry: `authenticate` accepts only recorded, unrevoked tokens.
 * Exported from `verifier/core/index.ts`.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { KeyUnavailableError } from './errors.js';
import type { Clock, KeyRing } from './ports.js';

export interface IssueTokenOptions {
  deviceId: string;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  jti?: string;
}

export interface IssuedToken {
  token: string;
  jti: string;
  /** Unix seconds (the token's `exp`). */
  expiresAt: number;
}

export async function issueDeviceToken(keys: KeyRing, clock: Clock, options: IssueTokenOptions): Promise<IssuedToken> {
  const { deviceId, issuer, audience, ttlSeconds } = options;
  const jti = options.jti ?? randomUUID();
  const iat = Math.floor(clock.now() / 1000);
  const expiresAt = iat + ttlSeconds;
  let signing: ReturnType<KeyRing['activeSigningKey']>;
  try {
    signing = keys.activeSigningKey();
  } catch (err) {
    throw new KeyUnavailableError('no active signing key', { cause: err });
  }
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: signing.alg, kid: signing.kid, typ: 'JWT' })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject(deviceId)
    .setIssuedAt(iat)
    .setExpirationTime(expiresAt)
    .setJti(jti)
    .sign(signing.key);
  return { token, jti, expiresAt };
}
