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

export function createImportOps(ctx: StoreContext): ImportOps {
  const { db, writer, now, lookups } = ctx;
  const membership = createMembership(ctx);
  const fingerprintTaken = db.prepare('SELECT 1 FROM credentials WHERE fingerprint = ?').pluck();
  const insertDevice = db.prepare(`INSERT INTO devices (id, superuser, attributes, created_at, updated_at, incarnation)
    VALUES (?, ?, ?, ?, ?, lower(hex(randomblob(16))))`);
  const insertPassword = db.prepare(`INSERT INTO credentials (id, device_id, kind, password_hash, created_at)
    VALUES (?, ?, 'password', ?, ?)`);
  const insertCertificate = db.prepare(`INSERT INTO credentials (id, device_id, kind, fingerprint, created_at)
    VALUES (?, ?, 'x509', ?, ?)`);

  function rejectRegistered(d: Parsed[number], i: number): void {
    if (lookups.deviceExists(d.id)) throw new ConflictError(`devices.${i}.id: device ${d.id} already exists`);
    if (d.certFingerprint !== undefined && fingerprintTaken.get(d.certFingerprint)) {
      throw new ConflictError(`devices.${i}.certFingerprint: certificate ${d.certFingerprint} is already registered`);
    }
  }

  return {
    async importDevices(input) {
      const { devices } = parseInput(ImportBody, input);
      rejectDuplicates(devices);
      // Checked before the (slow) hashing so a conflict fails fast, and again row by row inside the
      // transaction, for anything registered meanwhile: a failing row rolls back every row before it.
      devices.forEach(rejectRegistered);
      const hashes = await hashAll(devices.map((d) => d.password));
      return writer.write((tx) => {
        const at = now();
        devices.forEach((d, i) => {
          rejectRegistered(d, i);
          insertDevice.run(d.id, Number(d.superuser), JSON.stringify(d.attributes), at, at);
          membership.set(d.id, d.groups, at);
          const hash = hashes[i];
          if (hash) insertPassword.run(randomUUID(), d.id, hash, at);
          if (d.certFingerprint !== undefined) insertCertificate.run(randomUUID(), d.id, d.certFingerprint, at);
        });
        tx.changed({ kind: 'all' });
        return { created: devices.length };
      });
    },
  };
}

/**
 * scrypt runs on libuv's thread pool (4 threads), which device logins share: hashing a whole import at
 * once would queue every login behind it. Two at a time leaves the other threads to authentication.
 * Each hash costs tens of milliseconds by design, so passwords, not inserts, bound a large import.
 */
const HASH_CONCURRENCY = 2;

async function hashAll(passwords: Array<string | undefined>): Promise<Array<string | null>> {
  const hashes: Array<string | null> = passwords.map(() => null);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < passwords.length) {
      const i = next++;
      const password = passwords[i];
      if (password !== undefined) hashes[i] = await hashPassword(password);
    }
  }
  await Promise.all(Array.from({ length: HASH_CONCURRENCY }, worker));
  return hashes;
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
