/**
 * `arra-mq cert revoke`: revoke one credential of a device. Named for certificates, it works for any
 * credential id `device show` lists, passwords included.
 *
 * @module verifier/cli/commands/cert-revoke
 */
import { z } from 'zod';
import { defineCommand } from '../_command.js';
import { paths } from './_paths.js';

export default defineCommand({
  usage: 'cert revoke DEVICE CREDENTIAL_ID',
  summary: 'Revoke a certificate (or any credential) of a device.',
  options: {},
  positionals: ['DEVICE', 'CREDENTIAL_ID'],
  async run(ctx) {
    const [device, credentialId] = ctx.positionals as [string, string];
    await (await ctx.client()).send('POST', paths.credentialRevoke(device, credentialId), z.unknown());
    ctx.out.result({ revoked: { device, credential: credentialId } }, () => `revoked credential ${credentialId} of ${device}`);
  },
});
