/**
 * Bulk import on PostgreSQL: all rows in one transaction, announced once as `all`. The existence and
 * certificate-owner checks are read once for the whole batch and kept current as rows are written, so
 * each row is checked as the SQLite store checks it without a query of its own.
 *
 * @module verifier/store/postgres/import
 */
import { randomUUID } from 'node:crypto';
import type { ImportConflictPolicy } from '../../../schemas/admin.js';
import { checkImportRow } from '../import.js';
import type { ImportDeviceValues, ImportRepository, ImportRow } from '../repositories.js';
import type { PgContext, PgTransaction } from './context.js';
import { newIncarnation, setMembership } from './devices.js';
import { bind } from './pool.js';

type Query = Pick<PgTransaction, 'rows'>;
type Checked = Pick<ImportDeviceValues, 'id' | 'certFingerprint'>;

interface Known {
  devices: Set<string>;
  /** Certificate fingerprint → the device holding it. */
  owners: Map<string, string>;
}

async function lookUp(q: Query, rows: readonly Checked[]): Promise<Known> {
  const ids = rows.map((r) => r.id);
  const fingerprints = rows.flatMap((r) => (r.certFingerprint === undefined ? [] : [r.certFingerprint]));
  const devices = await q.rows<{ id: string }>('SELECT id FROM devices WHERE id = ANY(@ids)', { ids });
  const owners = await q.rows<{ fingerprint: string; device_id: string }>(
    'SELECT fingerprint, device_id FROM credentials WHERE fingerprint = ANY(@fingerprints)', { fingerprints });
  return { devices: new Set(devices.map((d) => d.id)), owners: new Map(owners.map((o) => [o.fingerprint, o.device_id])) };
}

function check(known: Known, d: Checked, i: number, onConflict: ImportConflictPolicy): boolean {
  const owner = d.certFingerprint === undefined ? undefined : known.owners.get(d.certFingerprint);
  return checkImportRow(d, i, onConflict, known.devices.has(d.id), owner);
}

async function writeRow(tx: PgTransaction, known: Known, d: ImportRow, exists: boolean, at: number): Promise<void> {
  const attributes = JSON.stringify(d.attributes);
  if (exists) {
    await tx.run('UPDATE devices SET superuser = @superuser, attributes = @attributes, updated_at = @at WHERE id = @id',
      { superuser: Number(d.superuser), attributes, at, id: d.id });
    if (d.passwordHash) await tx.run("DELETE FROM credentials WHERE device_id = @id AND kind = 'password'", { id: d.id });
  } else {
    await tx.run(`INSERT INTO devices (id, superuser, attributes, created_at, updated_at, incarnation)
      VALUES (@id, @superuser, @attributes, @at, @at, @incarnation)`, { id: d.id, superuser: Number(d.superuser), attributes, at, incarnation: newIncarnation() });
    known.devices.add(d.id);
  }
  await setMembership(tx, d.id, d.groups, at);
  if (d.passwordHash) {
    await tx.run(`INSERT INTO credentials (id, device_id, kind, password_hash, created_at) VALUES (@cid, @id, 'password', @hash, @at)`,
      { cid: randomUUID(), id: d.id, hash: d.passwordHash, at });
  }
  if (d.certFingerprint !== undefined && !known.owners.has(d.certFingerprint)) {
    await tx.run(`INSERT INTO credentials (id, device_id, kind, fingerprint, created_at) VALUES (@cid, @id, 'x509', @fingerprint, @at)`,
      { cid: randomUUID(), id: d.id, fingerprint: d.certFingerprint, at });
    known.owners.set(d.certFingerprint, d.id);
  }
}

export function createPgImportRepository({ pool, write, now }: PgContext): ImportRepository {
  const direct: Query = {
    async rows<R>(text: string, params: Record<string, unknown> = {}) {
      return (await pool.query(bind(text, params))).rows as R[];
    },
  };
  return {
    async plan(devices, onConflict) {
      const known = await lookUp(direct, devices);
      return devices.flatMap((d, i) => (check(known, d, i, onConflict) && onConflict === 'skip' ? [] : [i]));
    },

    async write(rows, onConflict, signal) {
      signal?.throwIfAborted();
      return write(async (tx) => {
        const at = now();
        const known = await lookUp(tx, rows.map((r) => r.row));
        const result = { created: 0, updated: 0, skipped: 0 };
        for (const { row, index } of rows) {
          signal?.throwIfAborted();
          const exists = check(known, row, index, onConflict);
          if (exists && onConflict === 'skip') {
            result.skipped++;
            continue;
          }
          await writeRow(tx, known, row, exists, at);
          result[exists ? 'updated' : 'created']++;
        }
        signal?.throwIfAborted();
        tx.changed({ kind: 'all' });
        return result;
      });
    },
  };
}
