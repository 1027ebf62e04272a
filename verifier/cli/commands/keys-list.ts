/**
 * `arra-mq keys list`: the verifier's signing keys and their state (active, verifying, retired).
 */
import { z } from 'zod';
import { SigningKeyInfo } from '../../../schemas/admin.js';
import { defineCommand } from '../_command.js';
import { formatTable } from '../_output.js';
import { paths } from './_paths.js';
import { keyColumns } from './_render.js';

export default defineCommand({
  usage: 'keys list',
  summary: 'List the JWT signing keys.',
  options: {},
  positionals: [],
  async run(ctx) {
    const items = await (await ctx.client()).send('GET', paths.keys, z.array(SigningKeyInfo));
    ctx.out.result({ items }, () => formatTable(items, keyColumns));
  },
});
