/**
 * `arra-mq keys rotate`: a new key signs from now on; the old one keeps verifying the tokens it
 * signed until it is retired.
 */
import { SigningAlg, SigningKeyInfo } from '../../../schemas/admin.js';
import { defineCommand } from '../_command.js';
import { UsageError } from '../_errors.js';
import { formatTable } from '../_output.js';
import { paths } from './_paths.js';
import { keyColumns } from './_render.js';

export default defineCommand({
  usage: 'keys rotate [--alg EdDSA|ES256]',
  summary: 'Make a new key the active signing key.',
  options: { alg: { type: 'string', valueName: 'ALG', description: 'EdDSA (default) or ES256' } },
  positionals: [],
  async run(ctx) {
    const alg = ctx.values.alg === undefined ? undefined : SigningAlg.safeParse(ctx.values.alg);
    if (alg && !alg.success) throw new UsageError(`--alg: must be EdDSA or ES256, got "${ctx.values.alg}"`, ctx.usage);
    const key = await (await ctx.client()).send('POST', paths.keysRotate, SigningKeyInfo, { json: alg ? { alg: alg.data } : {} });
    ctx.out.result({ key }, () => formatTable([key], keyColumns));
  },
});
