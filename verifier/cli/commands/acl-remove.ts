/**
 * `arra-mq acl remove`: delete one rule by the id `acl list` shows.
 */
import { z } from 'zod';
import { defineCommand } from '../_command.js';
import { UsageError } from '../_errors.js';
import { paths } from './_paths.js';

export default defineCommand({
  usage: 'acl remove ID',
  summary: 'Delete an ACL rule.',
  options: {},
  positionals: ['ID'],
  async run(ctx) {
    const [id] = ctx.positionals as [string];
    if (!/^[1-9][0-9]*$/.test(id)) throw new UsageError(`ID: must be a rule id (a positive whole number), got "${id}"`, ctx.usage);
    await (await ctx.client()).send('DELETE', paths.rule(id), z.undefined());
    ctx.out.result({ removed: { rule: Number(id) } }, () => `removed rule ${id}`);
  },
});
