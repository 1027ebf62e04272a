/**
 * Bulk import: all devices or none, in ONE transaction. The slow part (scrypt of every password) runs
 * before the transaction, so the write lock is held only for the inserts, which use prepared
 * statements. A bulk change is announced once as `{kind:'all'}` rather than as thousands of events.
 * An id already registered is refused, skipped or updated (`onConflict`); an aborted `signal` stops
 * the import before it commits.
 *
 * @module verifier/store/import
 */
import { randomUUID } from 'node:crypto';
import { ImportBody, type ImportConflictPolicy, type ImportResult } from '../../schemas/admin.js';
import { hashPassword } from '../core/index.js';
import type { StoreContext } from './context.js';
import { ConflictError } from './errors.js';
import { createMembership } from './membership.js';
import { parseInput } from './validate.js';

export interface ImportOptions {
  /** What to do with an id already registered (default `fail`). */
  onConflict?: ImportConflictPolicy;
  /** Aborted when the caller went away: the import stops and writes nothing, if it has not committed yet. */
  signal?: AbortSignal;
}

export interface ImportOps {
  importDevices(input: ImportBody, options?: ImportOptions): Promise<ImportResult>;
}

type Parsed = ReturnType<typeof ImportBody.parse>['devices'];
type Row = Parsed[number];

export function createImportOps(ctx: StoreContext): ImportOps {
  const { db, writer, now, lookups } = ctx;
  const membership = createMembership(ctx);
  const fingerprintOwner = db.prepare('SELECT device_id FROM credentials WHERE fingerprint = ?').pluck();
  // A new incarnation, as `createDevice` gives: without one the decision carries "" (which the HTTP
  // authorizer refuses as invalid) and a device removed and imported again would be the same identity.
  const insertDevice = db.prepare(`INSERT INTO devices (id, superuser, attributes, created_at, updated_at, incarnation)
    VALUES (?, ?, ?, ?, ?, lower(hex(randomblob(16))))`);
  const updateDevice = db.prepare('UPDATE devices SET superuser = ?, attributes = ?, updated_at = ? WHERE id = ?');
  const removePasswords = db.prepare("DELETE FROM credentials WHERE device_id = ? AND kind = 'password'");
  const insertPassword = db.prepare(`INSERT INTO credentials (id, device_id, kind, password_hash, created_at)
    VALUES (?, ?, 'password', ?, ?)`);
  const insertCertificate = db.prepare(`INSERT INTO credentials (id, device_id, kind, fingerprint, created_at)
    VALUES (?, ?, 'x509', ?, ?)`);

  /** Throws for what no policy resolves; says whether the row's device exists already. */
  function checkRow(d: Row, i: number, onConflict: ImportConflictPolicy): { exists: boolean } {
    const exists = lookups.deviceExists(d.id);
    if (exists && onConflict === 'fail') throw new ConflictError(`devices.${i}.id: device ${d.id} already exists`);
    const owner = d.certFingerprint === undefined ? undefined : fingerprintOwner.get(d.certFingerprint);
    if (owner !== undefined && owner !== d.id) {
      throw new ConflictError(`devices.${i}.certFingerprint: certificate ${d.certFingerprint} is already registered`);
    }
    return { exists };
  }

  function writeRow(d: Row, hash: string | null, exists: boolean, at: number): void {
    if (exists) {
      updateDevice.run(Number(d.superuser), JSON.stringify(d.attributes), at, d.id);
      if (hash) removePasswords.run(d.id);
    } else {
      insertDevice.run(d.id, Number(d.superuser), JSON.stringify(d.attributes), at, at);
    }
    membership.set(d.id, d.groups, at);
    if (hash) insertPassword.run(randomUUID(), d.id, hash, at);
    if (d.certFingerprint !== undefined && fingerprintOwner.get(d.certFingerprint) === undefined) {
      insertCertificate.run(randomUUID(), d.id, d.certFingerprint, at);
    }
  }

  return {
    async importDevices(input, { onConflict = 'fail', signal } = {}) {
      const { devices } = parseInput(ImportBody, input);
      rejectDuplicates(devices);
      // Checked before the (slow) hashing so a conflict fails fast, and again row by row inside the
      // transaction, for anything registered meanwhile: a failing row rolls back every row before it.
      const toWrite = devices.map((d, i) => ({ d, i })).filter(({ d, i }) => !(checkRow(d, i, onConflict).exists && onConflict === 'skip'));
      const hashes = await hashAll(toWrite.map(({ d }) => d.password), signal);
      // The transaction below is synchronous: once it starts, nothing can interrupt it, so this is the
      // last moment a caller that went away is noticed.
      signal?.throwIfAborted();
      return writer.write((tx) => {
        const at = now();
        const result = { created: 0, updated: 0, skipped: devices.length - toWrite.length };
        toWrite.forEach(({ d, i }, n) => {
          const { exists } = checkRow(d, i, onConflict);
          if (exists && onConflict === 'skip') {
            result.skipped++;
            return;
          }
          writeRow(d, hashes[n]!, exists, at);
          result[exists ? 'updated' : 'created']++;
        });
        tx.changed({ kind: 'all' });
        return result;
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

async function hashAll(passwords: Array<string | undefined>, signal?: AbortSignal): Promise<Array<string | null>> {
  const hashes: Array<string | null> = passwords.map(() => null);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < passwords.length) {
      signal?.throwIfAborted();
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
