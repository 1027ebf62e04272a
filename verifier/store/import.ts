/**
 * Bulk import: all devices or none, in ONE transaction. The slow part (scrypt of every password) runs
 * before the transaction, so the write lock is held only for the inserts, which use prepared
 * statements. A bulk change is announced once as `{kind:'all'}` rather than as thousands of events.
 *
 * @module verifier/store/import
 */
import { randomUUID } from 'node:crypto';
import { ImportBody, type ImportResult } from '../../schemas/admin.js';
import { hashPassword } from '../core/index.js';
import type { StoreContext } from './context.js';
import { ConflictError } from './errors.js';
import { createMembership } from './membership.js';
import { parseInput } from './validate.js';

export interface ImportOps {
  importDevices(input: ImportBody): Promise<ImportResult>;
}

type Parsed = ReturnType<typeof ImportBody.parse>['devices'];

export function createImportOps({ db, writer, now }: StoreContext): ImportOps {
  const membership = createMembership(db);
  const deviceExists = db.prepare('SELECT 1 FROM devices WHERE id = ?').pluck();
  const fingerprintTaken = db.prepare('SELECT 1 FROM credentials WHERE fingerprint = ?').pluck();
  const insertDevice = db.prepare(`INSERT INTO devices (id, superuser, attributes, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?)`);
  const insertPassword = db.prepare(`INSERT INTO credentials (id, device_id, kind, password_hash, created_at)
    VALUES (?, ?, 'password', ?, ?)`);
  const insertCertificate = db.prepare(`INSERT INTO credentials (id, device_id, kind, fingerprint, created_at)
    VALUES (?, ?, 'x509', ?, ?)`);

  return {
    async importDevices(input) {
      const { devices } = parseInput(ImportBody, input);
      rejectDuplicates(devices);
      const hashes = await Promise.all(devices.map((d) => (d.password === undefined ? null : hashPassword(d.password))));
      return writer.write((tx) => {
        const at = now();
        devices.forEach((d, i) => {
          if (deviceExists.get(d.id)) throw new ConflictError(`devices.${i}.id: device ${d.id} already exists`);
          insertDevice.run(d.id, Number(d.superuser), JSON.stringify(d.attributes), at, at);
          membership.set(d.id, d.groups, at);
          const hash = hashes[i];
          if (hash) insertPassword.run(randomUUID(), d.id, hash, at);
          if (d.certFingerprint !== undefined) {
            if (fingerprintTaken.get(d.certFingerprint)) {
              throw new ConflictError(`devices.${i}.certFingerprint: certificate ${d.certFingerprint} is already registered`);
            }
            insertCertificate.run(randomUUID(), d.id, d.certFingerprint, at);
          }
        });
        tx.changed({ kind: 'all' });
        return { created: devices.length };
      });
    },
  };
}

/** Duplicates inside the batch are refused before anything is hashed or written. */
function rejectDuplicates(devices: Parsed): void {
  const ids = new Set<string>();
  const fingerprints = new Set<string>();
  devices.forEach((d, i) => {
    if (ids.has(d.id)) throw new ConflictError(`devices.${i}.id: device ${d.id} appears twice in the import`);
    ids.add(d.id);
    if (d.certFingerprint === undefined) return;
    if (fingerprints.has(d.certFingerprint)) {
      throw new ConflictError(`devices.${i}.certFingerprint: certificate ${d.certFingerprint} appears twice in the import`);
    }
    fingerprints.add(d.certFingerprint);
  });
}
