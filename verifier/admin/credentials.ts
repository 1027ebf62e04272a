/** A password is stored only as its scrypt hash; a generated secret is returned once. */
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { Credential, CredentialCreate, CredentialCreated } from '../../schemas/admin.js';
import { readCertificate, type CertificateFacts } from '../ca/index.js';
import { hashPassword } from '../core/index.js';
import { NotFoundError, ValidationError } from '../store/index.js';
import type { AdminContext } from './context.js';

export type CredentialValues = z.output<typeof CredentialCreate>;

export interface CredentialAdmin {
  listCredentials(deviceId: string): Promise<Credential[]>;
  addCredential(deviceId: string, credential: CredentialValues): Promise<CredentialCreated>;
  /** Registers a certificate the caller already read (the device CA's own issuance uses this). */
  registerCertificate(deviceId: string, facts: CertificateFacts): Promise<Credential>;
  revokeCredential(deviceId: string, credentialId: string): Promise<Credential>;
}

/** 24 random bytes: 192 bits, 32 base64url characters, easy to paste into a device config. */
const GENERATED_SECRET_BYTES = 24;

export function createCredentialAdmin({ store: { devices, credentials } }: AdminContext): CredentialAdmin {
  return {
    listCredentials: (deviceId) => credentials.list(deviceId),

    async addCredential(deviceId, body) {
      // Fail before spending a scrypt on a device that does not exist; the write re-checks.
      await requireDevice(devices, deviceId);
      const notAfter = msOrNull(body.notAfter);
      if (body.kind === 'password') {
        const secret = body.secret ?? randomBytes(GENERATED_SECRET_BYTES).toString('base64url');
        const credential = await credentials.add(deviceId, { kind: 'password', hash: await hashPassword(secret), notAfter });
        return body.secret === undefined ? { credential, secret } : { credential };
      }
      if (body.certPem !== undefined) {
        const facts = readPem(body.certPem);
        // An explicit notAfter may shorten the certificate's own lifetime, never extend it.
        return { credential: await credentials.add(deviceId, { kind: 'x509', ...facts, notAfter: Math.min(facts.notAfter, notAfter ?? Infinity) }) };
      }
      return { credential: await credentials.add(deviceId, { kind: 'x509', fingerprint: body.fingerprint!, subject: null, notAfter }) };
    },

    registerCertificate: (deviceId, facts) => credentials.add(deviceId, { kind: 'x509', ...facts }),
    revokeCredential: (deviceId, credentialId) => credentials.revoke(deviceId, credentialId),
  };
}

export async function requireDevice(devices: AdminContext['store']['devices'], id: string): Promise<void> {
  if (!(await devices.exists(id))) throw new NotFoundError(`device ${id} not found`);
}

function msOrNull(timestamp: string | undefined): number | null {
  return timestamp === undefined ? null : Date.parse(timestamp);
}

function readPem(certPem: string): CertificateFacts {
  try {
    return readCertificate(certPem);
  } catch (err) {
    throw new ValidationError('certPem: not a PEM certificate', [{ path: 'certPem', message: 'not a PEM certificate' }], { cause: err });
  }
}
