/**
 * Bulk import on PostgreSQL: all rows in one transaction, announced as a change to each device written
 * (every replica refreshes those devices' rows, not its whole mirror). The existence and
 * certificate-owner checks are read once for the whole batch, each row is checked as the SQLite store
 * checks it without a query of its own, and the rows are written a chunk per statement.
 *
 * @module verifier/store/postgres/import
 */
import { randomUUID } from 'node:crypto';
import type { ImportConflictPolicy } from '../../../schemas/admin.js';
import { checkImportRow } from '../import.js';
import type { ImportDeviceValues, ImportRepository, ImportRow } from '../repositories.js';
import type { PgContext, PgTransaction } from './context.js';
import { newIncarnation } from './devices.js';
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

/** Rows written per statement: every statement takes whole columns as arrays (`unnest`). */
const CHUNK = 5000;

/**
 * Writes checked rows as the SQLite store writes them one by one, a statement per step for a whole
 * chunk. The admin use case refuses an import naming an id or a certificate twice, so no row of a chunk
 * depends on another.
 */
async function writeChunk(tx: PgTransaction, known: Known, rows: ReadonlyArray<{ row: ImportRow; exists: boolean }>, at: number): Promise<void> {
  const created = rows.filter((r) => !r.exists).map((r) => r.row);
  const updated = rows.filter((r) => r.exists).map((r) => r.row);
  const all = rows.map((r) => r.row);
  const column = <T>(list: readonly ImportRow[], pick: (row: ImportRow) => T) => list.map(pick);
  if (created.length > 0) {
    await tx.run(`INSERT INTO devices (id, superuser, attributes, created_at, updated_at, incarnation)
      SELECT id, superuser, attributes, @at::bigint, @at::bigint, incarnation
      FROM unnest(@ids::text[], @superusers::boolean[], @attributes::text[], @incarnations::text[]) AS r(id, superuser, attributes, incarnation)`, {
      at,
      ids: column(created, (d) => d.id),
      superusers: column(created, (d) => d.superuser),
      attributes: column(created, (d) => JSON.stringify(d.attributes)),
      incarnations: created.map(() => newIncarnation()),
    });
  }
  if (updated.length > 0) {
    await tx.run(`UPDATE devices d SET superuser = r.superuser, attributes = r.attributes, updated_at = @at
      FROM unnest(@ids::text[], @superusers::boolean[], @attributes::text[]) AS r(id, superuser, attributes) WHERE d.id = r.id`, {
      at,
      ids: column(updated, (d) => d.id),
      superusers: column(updated, (d) => d.superuser),
      attributes: column(updated, (d) => JSON.stringify(d.attributes)),
    });
    const replaced = updated.filter((d) => d.passwordHash).map((d) => d.id);
    await tx.run("DELETE FROM credentials WHERE kind = 'password' AND device_id = ANY(@ids::text[])", { ids: replaced });
  }
  await tx.run('DELETE FROM device_groups WHERE device_id = ANY(@ids::text[])', { ids: column(all, (d) => d.id) });
  const memberships = all.flatMap((d) => d.groups.map((group) => [d.id, group] as const));
  await tx.run('INSERT INTO groups (name, created_at) SELECT DISTINCT unnest(@names::text[]), @at::bigint ON CONFLICT (name) DO NOTHING', {
    names: memberships.map(([, group]) => group),
    at,
  });
  await tx.run('INSERT INTO device_groups (device_id, group_name) SELECT * FROM unnest(@devices::text[], @groups::text[])', {
    devices: memberships.map(([id]) => id),
    groups: memberships.map(([, group]) => group),
  });
  await insertCredentials(tx, 'password', all.flatMap((d) => (d.passwordHash ? [[d.id, d.passwordHash] as const] : [])), at);
  const certificates = all.filter((d) => d.certFingerprint !== undefined && !known.owners.has(d.certFingerprint));
  await insertCredentials(tx, 'x509', certificates.map((d) => [d.id, d.certFingerprint!] as const), at);
  for (const d of certificates) known.owners.set(d.certFingerprint!, d.id);
  for (const d of created) known.devices.add(d.id);
}

/** New credentials of one kind: (device id, password hash or certificate fingerprint) pairs. */
async function insertCredentials(tx: PgTransaction, kind: 'password' | 'x509', pairs: ReadonlyArray<readonly [string, string]>, at: number): Promise<void> {
  const secret = kind === 'password' ? 'password_hash' : 'fingerprint';
  await tx.run(`INSERT INTO credentials (id, device_id, kind, ${secret}, created_at)
    SELECT id, device_id, @kind, value, @at::bigint FROM unnest(@cids::text[], @ids::text[], @values::text[]) AS r(id, device_id, value)`, {
    kind,
    at,
    cids: pairs.map(() => randomUUID()),
    ids: pairs.map(([id]) => id),
    values: pairs.map(([, value]) => value),
  });
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
        const checked = rows.flatMap(({ row, index }) => {
          const exists = check(known, row, index, onConflict);
          if (exists && onConflict === 'skip') {
            result.skipped++;
            return [];
          }
          result[exists ? 'updated' : 'created']++;
          return [{ row, exists }];
        });
        for (let start = 0; start < checked.length; start += CHUNK) {
          signal?.throwIfAborted();
          await writeChunk(tx, known, checked.slice(start, start + CHUNK), at);
        }
        signal?.throwIfAborted();
        for (const { row } of checked) tx.changed({ kind: 'device', deviceId: row.id });
        return result;
      });
    },
  };
}
