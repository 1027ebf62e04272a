/**
 * `arra-mq token revoke`: the verifier refuses the token from now on, whatever its expiry.
 */
import { Token } from '../../../schemas/admin.js';
import { defineCommand } from '../_command.js';
import { paths } from './_paths.js';

export default defineCommand({
  usage: 'token revoke JTI',
  summary: 'Revoke a JWT by its jti (shown by "token issue --json").',
  options: {},
  positionals: ['JTI'],
  async run(ctx) {
    const [jti] = ctx.positionals as [string];
    const token = await (await ctx.client()).send('POST', paths.tokenRevoke(jti), Token);
    ctx.out.result({ token }, () => `revoked token ${token.jti} of device ${token.deviceId}`);
  },
});
