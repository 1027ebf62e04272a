/**
 * `arra-mq keys list`: the verifier's signing keys and their state (active, verifying, retired).
 *
 * @module verifier/cli/commands/keys-list
 */
import { SigningKeyInfo } from '../../../schemas/admin.js';
import { defineCommand } from '../_command.js';
import { formatTable } from '../_output.js';
import { listBody } from './_list-body.js';
import { paths } from './_paths.js';
import { keyColumns } from './_render.js';

export default defineCommand({
  usage: 'keys list',
  summary: 'List the JWT signing keys.',
  options: {},
  positionals: [],
  async run(ctx) {
    const items = await (await ctx.client()).send('GET', paths.keys, listBody(SigningKeyInfo));
    ctx.out.result({ items }, () => formatTable(items, keyColumns));
  },
});
