/**
 * A device's credentials: passwords (stored only as scrypt hashes; a generated secret is returned once)
 * and X.509 certificates (registered by fingerprint, read from the PEM when given). Revocation keeps
 * the row so the decision says `revoked`, not `bad_credentials`. Every write announces the device.
 *
 * @module verifier/store/credentials
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  CredentialCreate,
  CredentialParams,
  DeviceParams,
  type Credential,
  type CredentialCreated,
} from '../../schemas/admin.js';
import { readCertificate, type CertificateFacts } from '../ca/index.js';
import { hashPassword } from '../core/index.js';
import type { StoreContext } from './context.js';
import { ConflictError, NotFoundError, ValidationError } from './errors.js';
import { msOrNull, toCredentialView, type CredentialRow } from './rows.js';
import { parseInput } from './validate.js';

export interface CredentialOps {
  listCredentials(deviceId: string): Credential[];
  /** Async only because a password is hashed first, outside the transaction. */
  addCredential(deviceId: string, input: CredentialCreate): Promise<CredentialCreated>;
  /** Registers a certificate the caller already read (the device CA's own issuance uses this). */
  registerCertificate(deviceId: string, facts: CertificateFacts): Credential;
  revokeCredential(deviceId: string, credentialId: string): Credential;
}

interface NewCredential {
  kind: 'password' | 'x509';
  hash?: string;
  fingerprint?: string;
  subject?: string | null;
  notAfter: number | null;
}

/** 24 random bytes: 192 bits, 32 base64url characters, easy to paste into a device config. */
const GENERATED_SECRET_BYTES = 24;

export function createCredentialOps({ db, writer, now, lookups }: StoreContext): CredentialOps {
  const { requireDevice } = lookups;
  const listAll = db.prepare('SELECT * FROM credentials WHERE device_id = ? ORDER BY created_at, id');
  const select = db.prepare('SELECT * FROM credentials WHERE id = ? AND device_id = ?');
  const fingerprintTaken = db.prepare('SELECT device_id FROM credentials WHERE fingerprint = ?').pluck();
  const insert = db.prepare(`INSERT INTO credentials
    (id, device_id, kind, password_hash, fingerprint, subject, not_after, created_at)
    VALUES (@id, @deviceId, @kind, @hash, @fingerprint, @subject, @notAfter, @now)`);
  const revoke = db.prepare('UPDATE credentials SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');

  function insertCredential(deviceId: string, c: NewCredential): Credential {
    return writer.write((tx) => {
      requireDevice(deviceId);
      if (c.fingerprint !== undefined && fingerprintTaken.get(c.fingerprint) !== undefined) {
        throw new ConflictError(`certificate ${c.fingerprint} is already registered`);
      }
      const id = randomUUID();
      insert.run({
        id,
        deviceId,
        kind: c.kind,
        hash: c.hash ?? null,
        fingerprint: c.fingerprint ?? null,
        subject: c.subject ?? null,
        notAfter: c.notAfter,
        now: now(),
      });
      tx.changed({ kind: 'device', deviceId });
      return toCredentialView(select.get(id, deviceId) as CredentialRow);
    });
  }

  return {
    listCredentials(deviceId) {
      const { id } = parseInput(DeviceParams, { id: deviceId });
      requireDevice(id);
      return (listAll.all(id) as CredentialRow[]).map(toCredentialView);
    },

    async addCredential(deviceId, input) {
      const { id } = parseInput(DeviceParams, { id: deviceId });
      const body = parseInput(CredentialCreate, input);
      // Fail before spending a scrypt on a device that does not exist; the write re-checks.
      requireDevice(id);
      if (body.kind === 'password') {
        const secret = body.secret ?? randomBytes(GENERATED_SECRET_BYTES).toString('base64url');
        const hash = await hashPassword(secret);
        const credential = insertCredential(id, { kind: 'password', hash, notAfter: msOrNull(body.notAfter) });
        return body.secret === undefined ? { credential, secret } : { credential };
      }
      if (body.certPem !== undefined) {
        const facts = readPem(body.certPem);
        // An explicit notAfter may shorten the certificate's own lifetime, never extend it.
        const notAfter = Math.min(facts.notAfter, msOrNull(body.notAfter) ?? Infinity);
        return { credential: insertCredential(id, { kind: 'x509', ...facts, notAfter }) };
      }
      const credential = insertCredential(id, {
        kind: 'x509',
        fingerprint: body.fingerprint!,
        subject: null,
        notAfter: msOrNull(body.notAfter),
      });
      return { credential };
    },

    registerCertificate(deviceId, facts) {
      return insertCredential(deviceId, { kind: 'x509', ...facts });
    },

    revokeCredential(deviceId, credentialId) {
      const params = parseInput(CredentialParams, { id: deviceId, credentialId });
      return writer.write((tx) => {
        const row = select.get(params.credentialId, params.id) as CredentialRow | undefined;
        if (!row) throw new NotFoundError(`credential ${params.credentialId} of device ${params.id} not found`);
        // Revoking twice is not an error: the operator's intent (this credential no longer works) holds.
        if (revoke.run(now(), row.id).changes > 0) tx.changed({ kind: 'device', deviceId: params.id });
        return toCredentialView(select.get(row.id, params.id) as CredentialRow);
      });
    },
  };
}

function readPem(certPem: string): CertificateFacts {
  try {
    return readCertificate(certPem);
  } catch (err) {
    throw new ValidationError('certPem: not a PEM certificate', [{ path: 'certPem', message: 'not a PEM certificate' }], {
      cause: err,
    });
  }
}
