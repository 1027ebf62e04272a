/** A credential check identifies a device (its existence is the next step's) or denies with a reason. */
import type { AuthenticateRequest, CredentialKind, DenyReason } from '../../../schemas/index.js';
import type { DeciderConfig } from '../types.js';
import type { Clock, ExternalKeyResolver, KeyRing, RegistryStore } from '../ports.js';

export interface Identified {
  ok: true;
  deviceId: string;
  credential: { kind: Exclude<CredentialKind, 'anonymous'>; id?: string };
  /** Unix seconds, earliest of the credential's limits; null = no expiry. */
  expiresAt: number | null;
}

export interface Refused {
  ok: false;
  reason: DenyReason;
  /** For logs: never contains the secret. */
  message: string;
}

export type CredentialOutcome = Identified | Refused;

export interface CredentialContext {
  request: AuthenticateRequest;
  /** The username, with `''` read as absent. */
  username: string | undefined;
  registry: RegistryStore;
  keys: KeyRing;
  externalKeys: ExternalKeyResolver | undefined;
  clock: Clock;
  config: DeciderConfig;
}

export function refuse(reason: DenyReason, message: string): Refused {
  return { ok: false, reason, message };
}

export function toUnixSeconds(ms: number | null): number | null {
  return ms === null ? null : Math.floor(ms / 1000);
}

export function earliest(...times: Array<number | null | undefined>): number | null {
  const known = times.filter((t): t is number => typeof t === 'number');
  return known.length === 0 ? null : Math.min(...known);
}

/** Is a registry credential past its `notAfter` (ms) at `now` (ms)? */
export function isPast(notAfter: number | null, now: number): boolean {
  return notAfter !== null && notAfter <= now;
}
