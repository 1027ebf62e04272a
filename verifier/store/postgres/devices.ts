/**
 * Devices, credentials and tokens on PostgreSQL: every write one transaction (`PgContext.write`) with
 * the SQLite store's checks and announcements; reads from the replica's mirror.
 *
 * @module verifier/store/postgres/devices
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError } from '../../core/index.js';
import { credentialColumns } from '../credentials.js';
import { deviceColumns } from '../devices.js';
import type { CredentialRepository, DeviceRepository, TokenRepository } from '../repositories.js';
import { toCredentialView, toDeviceView, toTokenView, type CredentialRow, type DeviceRow, type TokenRow } from '../rows.js';
import type { PgContext, PgTransaction } from './context.js';
import { sqliteRow } from './pool.js';

/** A device with its group names as one JSON text, sorted bytewise as SQLite sorts them. */
const SELECT_DEVICE = `SELECT d.*, COALESCE((SELECT json_agg(group_name ORDER BY group_name COLLATE "C")
  FROM device_groups WHERE device_id = d.id), '[]')::text AS groups FROM devices d WHERE d.id = @id`;

export const newIncarnation = () => randomBytes(16).toString('hex');

export async function loadDevice(tx: PgTransaction, id: string): Promise<DeviceRow> {
  const [row] = await tx.rows<Record<string, unknown>>(SELECT_DEVICE, { id });
  if (!row) throw new NotFoundError(`device ${id} not found`);
  return sqliteRow<DeviceRow>(row);
}

export async function requireDevice(tx: PgTransaction, id: string): Promise<void> {
  if ((await tx.rows('SELECT 1 FROM devices WHERE id = @id', { id })).length === 0) throw new NotFoundError(`device ${id} not found`);
}

export async function ensureGroup(tx: PgTransaction, name: string, now: number): Promise<void> {
  await tx.run('INSERT INTO groups (name, created_at) VALUES (@name, @now) ON CONFLICT (name) DO NOTHING', { name, now });
}

export async function setMembership(tx: PgTransaction, deviceId: string, groups: readonly string[], now: number): Promise<void> {
  await tx.run('DELETE FROM device_groups WHERE device_id = @deviceId', { deviceId });
  for (const name of groups) {
    await ensureGroup(tx, name, now);
    await tx.run('INSERT INTO device_groups (device_id, group_name) VALUES (@deviceId, @name)', { deviceId, name });
  }
}

export function createPgDeviceRepository({ write, now, mirror }: PgContext): DeviceRepository {
  return {
    exists: (id) => mirror().devices.exists(id),
    page: (query) => mirror().devices.page(query),
    detail: (id) => mirror().devices.detail(id),

    async create(device) {
      return write(async (tx) => {
        if ((await tx.rows('SELECT 1 FROM devices WHERE id = @id', { id: device.id })).length > 0) {
          throw new ConflictError(`device ${device.id} already exists`);
        }
        const at = now();
        await tx.run(`INSERT INTO devices
          (id, superuser, require_client_id_match, enabled, disabled_reason, attributes, created_at, updated_at, incarnation)
          VALUES (@id, @superuser, @requireClientIdMatch, @enabled, @disabledReason, @attributes, @now, @now, @incarnation)`,
        { ...deviceColumns(device.id, device, at), incarnation: newIncarnation() });
        await setMembership(tx, device.id, device.groups, at);
        tx.changed({ kind: 'device', deviceId: device.id });
        return toDeviceView(await loadDevice(tx, device.id));
      });
    },

    async update(id, merge) {
      return write(async (tx) => {
        const next = merge(toDeviceView(await loadDevice(tx, id)));
        const at = now();
        await tx.run(`UPDATE devices SET superuser = @superuser, require_client_id_match = @requireClientIdMatch,
          enabled = @enabled, disabled_reason = @disabledReason, attributes = @attributes, updated_at = @now WHERE id = @id`,
        deviceColumns(id, next, at));
        await setMembership(tx, id, next.groups, at);
        tx.changed({ kind: 'device', deviceId: id });
        return toDeviceView(await loadDevice(tx, id));
      });
    },

    async remove(id) {
      await write(async (tx) => {
        if ((await tx.run('DELETE FROM devices WHERE id = @id', { id })) === 0) throw new NotFoundError(`device ${id} not found`);
        tx.changed({ kind: 'device', deviceId: id });
      });
    },
  };
}

async function credentialRow(tx: PgTransaction, id: string, deviceId: string): Promise<CredentialRow | undefined> {
  const [row] = await tx.rows<CredentialRow>('SELECT * FROM credentials WHERE id = @id AND device_id = @deviceId', { id, deviceId });
  return row;
}

export function createPgCredentialRepository({ write, now, mirror }: PgContext): CredentialRepository {
  return {
    list: (deviceId) => mirror().credentials.list(deviceId),

    async add(deviceId, c) {
      return write(async (tx) => {
        await requireDevice(tx, deviceId);
        const fingerprint = c.kind === 'x509' ? c.fingerprint : null;
        if (fingerprint !== null && (await tx.rows('SELECT 1 FROM credentials WHERE fingerprint = @fingerprint', { fingerprint })).length > 0) {
          throw new ConflictError(`certificate ${fingerprint} is already registered`);
        }
        const id = randomUUID();
        await tx.run(`INSERT INTO credentials (id, device_id, kind, password_hash, fingerprint, subject, not_after, created_at)
          VALUES (@id, @deviceId, @kind, @hash, @fingerprint, @subject, @notAfter, @now)`, credentialColumns(id, deviceId, c, now()));
        tx.changed({ kind: 'device', deviceId });
        return toCredentialView((await credentialRow(tx, id, deviceId))!);
      });
    },

    async revoke(deviceId, credentialId) {
      return write(async (tx) => {
        const row = await credentialRow(tx, credentialId, deviceId);
        if (!row) throw new NotFoundError(`credential ${credentialId} of device ${deviceId} not found`);
        const revoked = await tx.run('UPDATE credentials SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL', { now: now(), id: row.id });
        if (revoked > 0) tx.changed({ kind: 'device', deviceId });
        return toCredentialView((await credentialRow(tx, row.id, deviceId))!);
      });
    },
  };
}

async function tokenRow(tx: PgTransaction, jti: string): Promise<TokenRow | undefined> {
  const [row] = await tx.rows<TokenRow>('SELECT * FROM tokens WHERE jti = @jti', { jti });
  return row;
}

export function createPgTokenRepository({ write, now, mirror }: PgContext): TokenRepository {
  return {
    list: (deviceId) => mirror().tokens.list(deviceId),

    async record(deviceId, { jti, expiresAt }) {
      return write(async (tx) => {
        await requireDevice(tx, deviceId);
        if (await tokenRow(tx, jti)) throw new ConflictError(`token ${jti} is already recorded`);
        await tx.run('INSERT INTO tokens (jti, device_id, expires_at, created_at) VALUES (@jti, @deviceId, @expiresAt, @now)', {
          jti,
          deviceId,
          expiresAt: expiresAt === null ? null : expiresAt * 1000,
          now: now(),
        });
        tx.changed({ kind: 'device', deviceId });
        return toTokenView((await tokenRow(tx, jti))!);
      });
    },

    async revoke(jti) {
      return write(async (tx) => {
        const row = await tokenRow(tx, jti);
        if (!row) throw new NotFoundError(`token ${jti} not found`);
        if ((await tx.run('UPDATE tokens SET revoked_at = @now WHERE jti = @jti AND revoked_at IS NULL', { now: now(), jti })) > 0) {
          tx.changed({ kind: 'device', deviceId: row.device_id });
        }
        return toTokenView((await tokenRow(tx, jti))!);
      });
    },
  };
}
