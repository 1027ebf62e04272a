/**
 * The one step `device disable` and `device enable` share: PATCH the device, print what it is now.
 */
import { Device, type DevicePatch } from '../../../schemas/admin.js';
import type { AdminClient } from '../_client.js';
import type { Output } from '../_output.js';
import { paths } from './_paths.js';
import { deviceRecord } from './_render.js';

export async function patchDevice(client: AdminClient, out: Output, id: string, patch: DevicePatch): Promise<void> {
  const device = await client.send('PATCH', paths.device(id), Device, { json: patch });
  out.result({ device }, () => deviceRecord(device));
}
