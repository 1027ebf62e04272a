/** All devices or none; every scrypt runs before the one write transaction, which holds the lock for inserts only. */
import type { ImportConflictPolicy, ImportResult } from '../../schemas/admin.js';
import { hashPassword } from '../core/index.js';
import { ConflictError, type ImportDeviceValues } from '../store/index.js';
import type { AdminContext } from './context.js';

export interface ImportOptions {
  onConflict?: ImportConflictPolicy;
  /** Aborted when the caller went away: nothing is written if it has not committed yet. */
  signal?: AbortSignal;
}

export interface ImportAdmin {
  importDevices(body: { devices: ImportDeviceValues[] }, options?: ImportOptions): Promise<ImportResult>;
}

export function createImportAdmin({ store: { imports } }: AdminContext): ImportAdmin {
  return {
    async importDevices({ devices }, { onConflict = 'fail', signal } = {}) {
      rejectDuplicates(devices);
      // Checked before the slow hashing so a conflict fails fast; the write checks every row again.
      const indexes = await imports.plan(devices, onConflict);
      const hashes = await hashAll(indexes.map((i) => devices[i]!.password), signal);
      const rows = indexes.map((index, n) => {
        const { password: _password, ...device } = devices[index]!;
        return { index, row: { ...device, passwordHash: hashes[n]! } };
      });
      const result = await imports.write(rows, onConflict, signal);
      return { ...result, skipped: result.skipped + devices.length - indexes.length };
    },
  };
}

/** Two hashes at a time leave the rest of libuv's pool (4 threads) to device logins. */
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
function rejectDuplicates(devices: readonly ImportDeviceValues[]): void {
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
