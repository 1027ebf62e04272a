/**
 * `arra-mq device remove`: delete a device; its credentials and device rules go with it.
 */
import { z } from 'zod';
import { defineCommand } from '../_command.js';
import { paths } from './_paths.js';

export default defineCommand({
  usage: 'device remove ID',
  summary: 'Delete a device and its credentials.',
  options: {},
  positionals: ['ID'],
  async run(ctx) {
    const [id] = ctx.positionals as [string];
    await (await ctx.client()).send('DELETE', paths.device(id), z.undefined());
    ctx.out.result({ removed: { device: id } }, () => `removed device ${id}`);
  },
});
