/**
 * `arra-mq acl list`: the rules in evaluation order, optionally only those of one subject.
 */
import { z } from 'zod';
import { Rule } from '../../../schemas/admin.js';
import { defineCommand } from '../_command.js';
import { paths } from './_paths.js';
import { rulesTable, subjectText } from './_render.js';
import { subjectFrom, subjectOptions } from './_subject.js';

export default defineCommand({
  usage: 'acl list [--device ID|--group G|--all|--anonymous]',
  summary: 'List ACL rules in evaluation order (priority, then id).',
  options: subjectOptions,
  positionals: [],
  async run(ctx) {
    const subject = subjectFrom(ctx.values, ctx.usage);
    const items = await (await ctx.client()).send('GET', paths.rules, z.array(Rule), {
      query: { subject: subject && subjectText(subject) },
    });
    ctx.out.result({ items }, () => rulesTable(items));
  },
});
