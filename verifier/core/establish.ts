/**
 * An acl / superuser request is about the identity the client's own authentication proved, never one
 * its client id or username names; what it claims must agree. A removed or revoked credential ends it.
 */
import type { Deny } from '../../schemas/index.js';
import type { Admission, Admissions } from './admissions.js';
import { deny, type IdentityQuery } from './authorize.js';
import type { RegistryStore } from './ports.js';

export interface IdentityClaim {
  clientId: string;
  username?: string | undefined;
  deviceId?: string | undefined;
}

/** Is the credential that admitted this record still registered, unrevoked and unexpired? */
export function credentialStillValid(registry: RegistryStore, admission: Admission, now: number): boolean {
  const { deviceId, credential } = admission;
  if (deviceId === null) return true; // anonymous: nothing was registered
  if (registry.getDevice(deviceId) === undefined) return false;
  const usable = (c: { id: string; revoked: boolean; notAfter: number | null } | undefined) =>
    c !== undefined && !c.revoked && (c.notAfter === null || c.notAfter > now);
  switch (credential.kind) {
    case 'password':
      return usable(registry.listPasswordCredentials(deviceId).find((c) => c.id === credential.id));
    case 'x509':
      return usable(registry.listCertificates(deviceId).find((c) => c.id === credential.id));
    case 'jwt': {
      // Our own tokens are recorded by jti; an external issuer's token has no record to consult.
      const record = credential.id === undefined ? undefined : registry.getToken(credential.id);
      return record === undefined || (record.deviceId === deviceId && usable(record));
    }
    case 'anonymous':
      return true;
  }
}

export function establishIdentity(
  admissions: Admissions,
  registry: RegistryStore,
  now: number,
  caller: string | undefined,
  claim: IdentityClaim,
): IdentityQuery | Deny {
  const admission = caller === undefined ? undefined : admissions.find(caller, claim.clientId);
  if (admission === undefined) return deny('not_authenticated', 'no authentication of this client id is on record (connect again)');
  if (admission.stale) {
    if (!credentialStillValid(registry, admission, now)) {
      admissions.forget(caller!, claim.clientId);
      return deny('not_authenticated', 'the credential this client authenticated with is gone, revoked or expired');
    }
    admission.stale = false;
  }
  if (claim.username !== undefined && claim.username !== admission.username) {
    return deny('not_authenticated', 'username differs from the one this client authenticated with');
  }
  if (claim.deviceId !== undefined && claim.deviceId !== admission.deviceId) {
    return deny('not_authenticated', 'deviceId differs from the device this client authenticated as');
  }
  return { deviceId: admission.deviceId, clientId: claim.clientId, username: admission.username, link: admission };
}
