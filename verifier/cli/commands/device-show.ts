/**
 * `arra-mq device show`: one device with its registered credentials (never their secrets).
 */
import { DeviceDetail } from '../../../schemas/admin.js';
import { defineCommand } from '../_command.js';
import { formatTable } from '../_output.js';
import { paths } from './_paths.js';
import { credentialColumns, deviceRecord } from './_render.js';

export default defineCommand({
  usage: 'device show ID',
  summary: 'Show one device and its credentials.',
  options: {},
  positionals: ['ID'],
  async run(ctx) {
    const [id] = ctx.positionals as [string];
    const device = await (await ctx.client()).send('GET', paths.device(id), DeviceDetail);
    ctx.out.result(device, () =>
      device.credentials.length === 0
        ? `${deviceRecord(device)}\n\nno credentials`
        : `${deviceRecord(device)}\n\n${formatTable(device.credentials, credentialColumns)}`,
    );
  },
});
