/**
 * `arra-mq cert revoke`: revoke one credential of a device. Named for certificates, it works for any
 * credential id `device show` lists, passwords included.
 */
import { Credential } from '../../../schemas/admin.js';
import { defineCommand } from '../_command.js';
import { paths } from './_paths.js';
import { credentialRecord } from './_render.js';

export default defineCommand({
  usage: 'cert revoke DEVICE CREDENTIAL_ID',
  summary: 'Revoke a certificate (or any credential) of a device.',
  options: {},
  positionals: ['DEVICE', 'CREDENTIAL_ID'],
  async run(ctx) {
    const [device, credentialId] = ctx.positionals as [string, string];
    const credential = await (await ctx.client()).send('POST', paths.credentialRevoke(device, credentialId), Credential);
    ctx.out.result({ credential }, () => credentialRecord(credential));
  },
});
