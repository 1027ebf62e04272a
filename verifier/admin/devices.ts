/**
 * Device use cases. A patch that re-enables a device clears its disabled reason: a stale "disabled
 * because ..." on an enabled device misleads.
 */
import type { z } from 'zod';
import type { Device, DeviceDetail, DevicePage, DevicePatch } from '../../schemas/admin.js';
import type { DeviceQuery, DeviceValues } from '../store/index.js';
import type { AdminContext } from './context.js';

export type DevicePatchValues = z.output<typeof DevicePatch>;

export interface DeviceAdmin {
  createDevice(device: DeviceValues): Promise<Device>;
  listDevices(query: DeviceQuery): Promise<DevicePage>;
  getDeviceDetail(id: string): Promise<DeviceDetail>;
  patchDevice(id: string, patch: DevicePatchValues): Promise<Device>;
  deleteDevice(id: string): Promise<void>;
}

export function createDeviceAdmin({ store: { devices } }: AdminContext): DeviceAdmin {
  return {
    createDevice: (device) => devices.create(device),
    listDevices: (query) => devices.page(query),
    getDeviceDetail: (id) => devices.detail(id),
    patchDevice: (id, patch) => devices.update(id, (current) => applyPatch(current, patch)),
    deleteDevice: (id) => devices.remove(id),
  };
}

function applyPatch(current: Device, patch: DevicePatchValues): Omit<DeviceValues, 'id'> {
  const next = { ...current, ...patch };
  const disabledReason = next.enabled && patch.disabledReason === undefined ? null : (next.disabledReason ?? null);
  const { groups, superuser, requireClientIdMatch, enabled, attributes } = next;
  return { groups, superuser, requireClientIdMatch, enabled, disabledReason, attributes };
}
