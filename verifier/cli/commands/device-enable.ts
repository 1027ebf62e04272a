/**
 * `arra-mq device enable`: accept the device's connections again and clear the disable reason.
 */
import { defineCommand } from '../_command.js';
import { patchDevice } from './_patch-device.js';

export default defineCommand({
  usage: 'device enable ID',
  summary: 'Accept connections of a device again.',
  options: {},
  positionals: ['ID'],
  async run(ctx) {
    const [id] = ctx.positionals as [string];
    await patchDevice(await ctx.client(), ctx.out, id, { enabled: true, disabledReason: null });
  },
});
