/**
 * Device administration: create, list (keyset paging by id), read with credentials, patch, delete.
 * Every write announces `{kind:'device'}` after commit; delete cascades to the device's credentials,
 * tokens and device-subject rules through foreign keys.
 *
 * @module verifier/store/devices
 */
import {
  DeviceCreate,
  DeviceListQuery,
  DeviceParams,
  DevicePatch,
  type Device,
  type DeviceDetail,
  type DevicePage,
} from '../../schemas/admin.js';
import type { StoreContext } from './context.js';
import { ConflictError, NotFoundError } from './errors.js';
import { createMembership } from './membership.js';
import { DEVICE_COLUMNS, toCredentialView, toDeviceView, type CredentialRow, type DeviceRow } from './rows.js';
import { parseInput } from './validate.js';

export interface DeviceOps {
  createDevice(input: DeviceCreate): Device;
  listDevices(query?: DeviceListQuery): DevicePage;
  getDeviceDetail(id: string): DeviceDetail;
  patchDevice(id: string, patch: DevicePatch): Device;
  deleteDevice(id: string): void;
}

/** Above every character a device id may hold, so `prefix || PREFIX_END` bounds a prefix range scan. */
const PREFIX_END = '\u007f';

export function createDeviceOps(ctx: StoreContext): DeviceOps {
  const { db, writer, now } = ctx;
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
      AND (@group IS NULL OR EXISTS (SELECT 1 FROM device_groups g WHERE g.device_id = d.id AND g.group_name = @group))
    ORDER BY d.id LIMIT @limit`);
  const credentials = db.prepare('SELECT * FROM credentials WHERE device_id = ? ORDER BY created_at, id');

  function load(id: string): DeviceRow {
    const row = select.get(id) as DeviceRow | undefined;
    if (!row) throw new NotFoundError(`device ${id} not found`);
    return row;
  }

  return {
    createDevice(input) {
      const device = parseInput(DeviceCreate, input);
      return writer.write((tx) => {
        if (ctx.lookups.deviceExists(device.id)) throw new ConflictError(`device ${device.id} already exists`);
        const at = now();
        insert.run({ ...bools(device), id: device.id, disabledReason: device.disabledReason, attributes: JSON.stringify(device.attributes), now: at });
        membership.set(device.id, device.groups, at);
        tx.changed({ kind: 'device', deviceId: device.id });
        return toDeviceView(load(device.id));
      });
    },

    listDevices(query = {}) {
      const { limit, cursor, prefix, group } = parseInput(DeviceListQuery, query);
      // One row past the page says whether there is a next page without a COUNT.
      const rows = page.all({ cursor: cursor ?? null, prefix: prefix ?? null, group: group ?? null, limit: limit + 1 }) as DeviceRow[];
      const items = rows.slice(0, limit).map(toDeviceView);
      return { items, nextCursor: rows.length > limit ? items.at(-1)!.id : null };
    },

    getDeviceDetail(id) {
      const { id: deviceId } = parseInput(DeviceParams, { id });
      const device = toDeviceView(load(deviceId));
      return { ...device, credentials: (credentials.all(deviceId) as CredentialRow[]).map(toCredentialView) };
    },

    patchDevice(id, input) {
      const { id: deviceId } = parseInput(DeviceParams, { id });
      const patch = parseInput(DevicePatch, input);
      return writer.write((tx) => {
        const current = toDeviceView(load(deviceId));
        const next = { ...current, ...patch };
        // Re-enabling clears the reason: a stale "disabled because ..." on an enabled device misleads.
        const disabledReason = next.enabled && patch.disabledReason === undefined ? null : next.disabledReason ?? null;
        const at = now();
        update.run({ ...bools(next), id: deviceId, disabledReason, attributes: JSON.stringify(next.attributes), now: at });
        if (patch.groups) membership.set(deviceId, patch.groups, at);
        tx.changed({ kind: 'device', deviceId });
        return toDeviceView(load(deviceId));
      });
    },

    deleteDevice(id) {
      const { id: deviceId } = parseInput(DeviceParams, { id });
      writer.write((tx) => {
        if (remove.run(deviceId).changes === 0) throw new NotFoundError(`device ${deviceId} not found`);
        tx.changed({ kind: 'device', deviceId });
      });
    },
  };
}

function bools(d: { superuser: boolean; requireClientIdMatch: boolean; enabled: boolean }) {
  return { superuser: Number(d.superuser), requireClientIdMatch: Number(d.requireClientIdMatch), enabled: Number(d.enabled) };
}
