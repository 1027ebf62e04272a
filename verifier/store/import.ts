/**
 * Bulk import on SQLite: every row in ONE transaction with prepared statements, announced as a change
 * to each device written: the caches drop those devices' decisions, not everyone's.
 *
 * @module verifier/store/import
 */
import { randomUUID } from 'node:crypto';
import type { ImportConflictPolicy } from '../../schemas/admin.js';
import type { StoreContext } from './context.js';
import { ConflictError } from '../core/index.js';
import { createMembership } from './membership.js';
import type { ImportDeviceValues, ImportRepository, ImportRow } from './repositories.js';

export function createImportRepository(ctx: StoreContext): ImportRepository {
  const { db, writer, now, lookups } = ctx;
  const membership = createMembership(ctx);
  const fingerprintOwner = db.prepare('SELECT device_id FROM credentials WHERE fingerprint = ?').pluck();
  // A new incarnation, as a created device gets: a device removed and imported again is a new identity.
  const insertDevice = db.prepare(`INSERT INTO devices (id, superuser, attributes, created_at, updated_at, incarnation)
    VALUES (?, ?, ?, ?, ?, lower(hex(randomblob(16))))`);
  const updateDevice = db.prepare('UPDATE devices SET superuser = ?, attributes = ?, updated_at = ? WHERE id = ?');
  const removePasswords = db.prepare("DELETE FROM credentials WHERE device_id = ? AND kind = 'password'");
  const insertPassword = db.prepare(`INSERT INTO credentials (id, device_id, kind, password_hash, created_at)
    VALUES (?, ?, 'password', ?, ?)`);
  const insertCertificate = db.prepare(`INSERT INTO credentials (id, device_id, kind, fingerprint, created_at)
    VALUES (?, ?, 'x509', ?, ?)`);

  function checkRow(d: Pick<ImportDeviceValues, 'id' | 'certFingerprint'>, i: number, onConflict: ImportConflictPolicy): boolean {
    const exists = lookups.deviceExists(d.id);
    const owner = d.certFingerprint === undefined ? undefined : (fingerprintOwner.get(d.certFingerprint) as string | undefined);
    return checkImportRow(d, i, onConflict, exists, owner);
  }

  function writeRow(d: ImportRow, exists: boolean, at: number): void {
    if (exists) {
      updateDevice.run(Number(d.superuser), JSON.stringify(d.attributes), at, d.id);
      if (d.passwordHash) removePasswords.run(d.id);
    } else {
      insertDevice.run(d.id, Number(d.superuser), JSON.stringify(d.attributes), at, at);
    }
    membership.set(d.id, d.groups, at);
    if (d.passwordHash) insertPassword.run(randomUUID(), d.id, d.passwordHash, at);
    if (d.certFingerprint !== undefined && fingerprintOwner.get(d.certFingerprint) === undefined) {
      insertCertificate.run(randomUUID(), d.id, d.certFingerprint, at);
    }
  }

  return {
    async plan(devices, onConflict) {
      return devices.flatMap((d, i) => (checkRow(d, i, onConflict) && onConflict === 'skip' ? [] : [i]));
    },

    async write(rows, onConflict, signal) {
      // The transaction is synchronous: nothing can abort it once it starts, so check just before.
      signal?.throwIfAborted();
      return writer.write((tx) => {
        const at = now();
        const result = { created: 0, updated: 0, skipped: 0 };
        for (const { row, index } of rows) {
          const exists = checkRow(row, index, onConflict);
          if (exists && onConflict === 'skip') {
            result.skipped++;
            continue;
          }
          writeRow(row, exists, at);
          tx.changed({ kind: 'device', deviceId: row.id });
          result[exists ? 'updated' : 'created']++;
        }
        return result;
      });
    },
  };
}

/** Throws for what no policy resolves; says whether the row's device exists already. */
export function checkImportRow(
  d: Pick<ImportDeviceValues, 'id' | 'certFingerprint'>, i: number, onConflict: ImportConflictPolicy, exists: boolean, owner: string | undefined,
): boolean {
  if (exists && onConflict === 'fail') throw new ConflictError(`devices.${i}.id: device ${d.id} already exists`);
  if (owner !== undefined && owner !== d.id) {
    throw new ConflictError(`devices.${i}.certFingerprint: certificate ${d.certFingerprint} is already registered`);
  }
  return exists;
}
