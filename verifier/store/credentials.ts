/**
 * Device credentials on SQLite: password hashes and certificate fingerprints. Every write announces
 * the device.
 *
 * @module verifier/store/credentials
 */
import { randomUUID } from 'node:crypto';
import type { StoreContext } from './context.js';
import { ConflictError, NotFoundError } from '../core/index.js';
import type { CredentialRepository, NewCredential } from './repositories.js';
import { toCredentialView, type CredentialRow } from './rows.js';

export function createCredentialRepository({ db, writer, now, lookups }: StoreContext): CredentialRepository {
  const { requireDevice } = lookups;
  const listAll = db.prepare('SELECT * FROM credentials WHERE device_id = ? ORDER BY created_at, id');
  const select = db.prepare('SELECT * FROM credentials WHERE id = ? AND device_id = ?');
  const fingerprintTaken = db.prepare('SELECT device_id FROM credentials WHERE fingerprint = ?').pluck();
  const insert = db.prepare(`INSERT INTO credentials
    (id, device_id, kind, password_hash, fingerprint, subject, not_after, created_at)
    VALUES (@id, @deviceId, @kind, @hash, @fingerprint, @subject, @notAfter, @now)`);
  const revoke = db.prepare('UPDATE credentials SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');

  return {
    async list(deviceId) {
      requireDevice(deviceId);
      return (listAll.all(deviceId) as CredentialRow[]).map(toCredentialView);
    },

    async add(deviceId, c) {
      return writer.write((tx) => {
        requireDevice(deviceId);
        const fingerprint = c.kind === 'x509' ? c.fingerprint : null;
        if (fingerprint !== null && fingerprintTaken.get(fingerprint) !== undefined) {
          throw new ConflictError(`certificate ${fingerprint} is already registered`);
        }
        const id = randomUUID();
        insert.run(credentialColumns(id, deviceId, c, now()));
        tx.changed({ kind: 'device', deviceId });
        return toCredentialView(select.get(id, deviceId) as CredentialRow);
      });
    },

    async revoke(deviceId, credentialId) {
      return writer.write((tx) => {
        const row = select.get(credentialId, deviceId) as CredentialRow | undefined;
        if (!row) throw new NotFoundError(`credential ${credentialId} of device ${deviceId} not found`);
        if (revoke.run(now(), row.id).changes > 0) tx.changed({ kind: 'device', deviceId });
        return toCredentialView(select.get(row.id, deviceId) as CredentialRow);
      });
    },
  };
}

/** A new credential's column values. */
export function credentialColumns(id: string, deviceId: string, c: NewCredential, at: number) {
  return {
    id,
    deviceId,
    kind: c.kind,
    hash: c.kind === 'password' ? c.hash : null,
    fingerprint: c.kind === 'x509' ? c.fingerprint : null,
    subject: c.kind === 'x509' ? c.subject : null,
    notAfter: c.notAfter,
    now: at,
  };
}
