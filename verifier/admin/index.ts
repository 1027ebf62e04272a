/** The admin use cases: hashing, key generation and signing happen here; the store only reads and writes rows. */
import { createAccessAdmin, type AccessAdmin } from './access.js';
import { createCertificateAdmin, type CertificateAdmin } from './certificates.js';
import type { AdminContext } from './context.js';
import { createCredentialAdmin, type CredentialAdmin } from './credentials.js';
import { createDeviceAdmin, type DeviceAdmin } from './devices.js';
import { createImportAdmin, type ImportAdmin } from './import.js';
import { createKeys, type KeyAdmin, type SigningKeys } from './keys.js';
import { createTokenAdmin, type TokenAdmin, type TokenIdentity } from './tokens.js';

export interface AdminDeps extends AdminContext {
  tokens: TokenIdentity;
}

export interface Admin extends DeviceAdmin, CredentialAdmin, CertificateAdmin, TokenAdmin, AccessAdmin, ImportAdmin, KeyAdmin {
  /** The core's `KeyRing` over the stored signing keys, and the JWKS. */
  readonly keys: SigningKeys;
}

/** Generates the first signing key and the device CA when the store has none. */
export async function createAdmin(deps: AdminDeps): Promise<Admin> {
  const ctx: AdminContext = { store: deps.store, clock: deps.clock, logger: deps.logger };
  const { keys, admin: keyAdmin } = await createKeys(ctx);
  const credentials = createCredentialAdmin(ctx);
  return {
    keys,
    ...keyAdmin,
    ...createDeviceAdmin(ctx),
    ...credentials,
    ...(await createCertificateAdmin(ctx, credentials)),
    ...createTokenAdmin(ctx, keys, deps.tokens),
    ...createAccessAdmin(ctx),
    ...createImportAdmin(ctx),
  };
}

export type { AccessAdmin, GroupPatchValues, RulePatchValues } from './access.js';
export type { CertificateAdmin, CertificateIssueValues } from './certificates.js';
export type { CredentialAdmin, CredentialValues } from './credentials.js';
export type { DeviceAdmin, DevicePatchValues } from './devices.js';
export type { ImportAdmin, ImportOptions } from './import.js';
export type { KeyAdmin, SigningKeys } from './keys.js';
export type { TokenAdmin, TokenIdentity } from './tokens.js';

