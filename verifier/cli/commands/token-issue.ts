/**
 * `arra-mq token issue`: a device JWT signed by the verifier. In human mode stdout carries the token
 * alone, so `TOKEN=$(arra-mq token issue d1)` works; `--json` adds its `jti` and expiry.
 */
import { TokenIssued } from '../../../schemas/admin.js';
import { positiveInt } from '../_args.js';
import { defineCommand } from '../_command.js';
import { paths } from './_paths.js';

export default defineCommand({
  usage: 'token issue DEVICE [--ttl SECONDS]',
  summary: 'Issue a JWT for a device; prints the token alone on stdout.',
  options: { ttl: { type: 'string', valueName: 'SECONDS', description: 'lifetime (default: the verifier’s, 3600)' } },
  positionals: ['DEVICE'],
  async run(ctx) {
    const [device] = ctx.positionals as [string];
    const ttlSeconds = positiveInt(ctx.values.ttl, 'ttl', ctx.usage);
    const issued = await (await ctx.client()).send('POST', paths.tokens(device), TokenIssued, {
      json: ttlSeconds === undefined ? {} : { ttlSeconds },
    });
    ctx.out.result(issued, () => issued.token);
  },
});
