/**
 * `arra-mq group list`: every group and the external issuer it trusts, if any.
 */
import { z } from 'zod';
import { Group } from '../../../schemas/admin.js';
import { defineCommand } from '../_command.js';
import { formatTable } from '../_output.js';
import { paths } from './_paths.js';
import { groupColumns } from './_render.js';

export default defineCommand({
  usage: 'group list',
  summary: 'List device groups.',
  options: {},
  positionals: [],
  async run(ctx) {
    const items = await (await ctx.client()).send('GET', paths.groups, z.array(Group));
    ctx.out.result({ items }, () => formatTable(items, groupColumns));
  },
});
