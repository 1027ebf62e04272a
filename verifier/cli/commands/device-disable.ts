/**
 * `arra-mq device disable`: the device stays registered but every connection is refused, with the
 * reason kept for the operator (and logged by the verifier on each refusal).
 */
import { defineCommand } from '../_command.js';
import { patchDevice } from './_patch-device.js';

export default defineCommand({
  usage: 'device disable ID [--reason R]',
  summary: 'Refuse connections of a device until it is enabled again.',
  options: { reason: { type: 'string', valueName: 'R', description: 'why, kept with the device' } },
  positionals: ['ID'],
  async run(ctx) {
    const [id] = ctx.positionals as [string];
    await patchDevice(await ctx.client(), ctx.out, id, { enabled: false, disabledReason: ctx.values.reason ?? null });
  },
});
