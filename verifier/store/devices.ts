/**
 * Devices on SQLite. Every write announces `{kind:'device'}`; delete cascades through foreign keys.
 *
 * @module verifier/store/devices
 */
import type { StoreContext } from './context.js';
import { ConflictError, NotFoundError } from '../core/index.js';
import { createMembership } from './membership.js';
import type { DeviceRepository, DeviceValues } from './repositories.js';
import { DEVICE_COLUMNS, toCredentialView, toDeviceView, type CredentialRow, type DeviceRow } from './rows.js';

/** Above every character a device id may hold, so `prefix || PREFIX_END` bounds a prefix range scan. */
const PREFIX_END = '\u007f';

export function createDeviceRepository(ctx: StoreContext): DeviceRepository {
  const { db, writer, now, lookups } = ctx;
  const membership = createMembership(ctx);
  const select = db.prepare(`SELECT ${DEVICE_COLUMNS} FROM devices d WHERE d.id = ?`);
  const insert = db.prepare(`INSERT INTO devices
    (id, superuser, require_client_id_match, enabled, disabled_reason, attributes, created_at, updated_at, incarnation)
    VALUES (@id, @superuser, @requireClientIdMatch, @enabled, @disabledReason, @attributes, @now, @now, lower(hex(randomblob(16))))`);
  const update = db.prepare(`UPDATE devices SET superuser = @superuser,
    require_client_id_match = @requireClientIdMatch, enabled = @enabled, disabled_reason = @disabledReason,
    attributes = @attributes, updated_at = @now WHERE id = @id`);
  const remove = db.prepare('DELETE FROM devices WHERE id = ?');
  const page = db.prepare(`SELECT ${DEVICE_COLUMNS} FROM devices d
    WHERE (@cursor IS NULL OR d.id > @cursor)
      AND (@prefix IS NULL OR (d.id >= @prefix AND d.id < @prefix || '${PREFIX_END}'))
      AND (@search IS NULL OR instr(d.id, @search) > 0)
      AND (@enabled IS NULL OR d.enabled = @enabled)
      AND (@group IS NULL OR EXISTS (SELECT 1 FROM device_groups g WHERE g.device_id = d.id AND g.group_name = @group))
    ORDER BY d.id LIMIT @limit`);
  const credentials = db.prepare('SELECT * FROM credentials WHERE device_id = ? ORDER BY created_at, id');

  function load(id: string): DeviceRow {
    const row = select.get(id) as DeviceRow | undefined;
    if (!row) throw new NotFoundError(`device ${id} not found`);
    return row;
  }

  return {
    async exists(id) {
      return lookups.deviceExists(id);
    },

    async create(device) {
      return writer.write((tx) => {
        if (lookups.deviceExists(device.id)) throw new ConflictError(`device ${device.id} already exists`);
        const at = now();
        insert.run(deviceColumns(device.id, device, at));
        membership.set(device.id, device.groups, at);
        tx.changed({ kind: 'device', deviceId: device.id });
        return toDeviceView(load(device.id));
      });
    },

    async page({ limit, cursor, prefix, search, enabled, group }) {
      // One row past the page says whether there is a next page without a COUNT.
      const filters = { prefix: prefix ?? null, search: search ?? null, enabled: enabled === undefined ? null : Number(enabled), group: group ?? null };
      const rows = page.all({ cursor: cursor ?? null, ...filters, limit: limit + 1 }) as DeviceRow[];
      const items = rows.slice(0, limit).map(toDeviceView);
      return { items, nextCursor: rows.length > limit ? items.at(-1)!.id : null };
    },

    async detail(id) {
      const device = toDeviceView(load(id));
      return { ...device, credentials: (credentials.all(id) as CredentialRow[]).map(toCredentialView) };
    },

    async update(id, merge) {
      return writer.write((tx) => {
        const next = merge(toDeviceView(load(id)));
        const at = now();
        update.run(deviceColumns(id, next, at));
        membership.set(id, next.groups, at);
        tx.changed({ kind: 'device', deviceId: id });
        return toDeviceView(load(id));
      });
    },

    async remove(id) {
      writer.write((tx) => {
        if (remove.run(id).changes === 0) throw new NotFoundError(`device ${id} not found`);
        tx.changed({ kind: 'device', deviceId: id });
      });
    },
  };
}

/** A device's column values (flags as 0/1, which PostgreSQL's BOOLEAN also reads). */
export function deviceColumns(id: string, d: Omit<DeviceValues, 'id'>, at: number) {
  return {
    id,
    superuser: Number(d.superuser),
    requireClientIdMatch: Number(d.requireClientIdMatch),
    enabled: Number(d.enabled),
    disabledReason: d.disabledReason,
    attributes: JSON.stringify(d.attributes),
    now: at,
  };
}
