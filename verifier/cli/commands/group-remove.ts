/**
 * `arra-mq group remove`: delete a group; its members lose the membership and its rules go.
 */
import { z } from 'zod';
import { defineCommand } from '../_command.js';
import { paths } from './_paths.js';

export default defineCommand({
  usage: 'group remove NAME',
  summary: 'Delete a device group.',
  options: {},
  positionals: ['NAME'],
  async run(ctx) {
    const [name] = ctx.positionals as [string];
    await (await ctx.client()).send('DELETE', paths.group(name), z.undefined());
    ctx.out.result({ removed: { group: name } }, () => `removed group ${name}`);
  },
});
