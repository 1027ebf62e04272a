/**
 * `arra-mq keys retire`: tokens signed by this key are refused from now on.
 */
import { SigningKeyInfo } from '../../../schemas/admin.js';
import { defineCommand } from '../_command.js';
import { formatTable } from '../_output.js';
import { paths } from './_paths.js';
import { keyColumns } from './_render.js';

export default defineCommand({
  usage: 'keys retire KID',
  summary: 'Stop accepting tokens signed by a key.',
  details: "A key id is base64url and may start with '-': put it after '--', e.g. arra-mq keys retire -- -hX3fQ…",
  options: {},
  positionals: ['KID'],
  async run(ctx) {
    const [kid] = ctx.positionals as [string];
    const key = await (await ctx.client()).send('POST', paths.keyRetire(kid), SigningKeyInfo);
    ctx.out.result({ key }, () => formatTable([key], keyColumns));
  },
});
