/**
 * `arra-mq cert add`: register the fingerprint of a certificate the device already has (issued by
 * any CA), read from a PEM file; the verifier extracts fingerprint, subject and expiry.
 */
import { readFile } from 'node:fs/promises';
import { CredentialCreated } from '../../../schemas/admin.js';
import { defineCommand } from '../_command.js';
import { UsageError } from '../_errors.js';
import { paths } from './_paths.js';
import { credentialRecord } from './_render.js';

export default defineCommand({
  usage: 'cert add DEVICE --cert FILE',
  summary: "Register a device certificate's SHA-256 fingerprint.",
  options: { cert: { type: 'string', valueName: 'FILE', description: 'the device certificate (PEM)' } },
  positionals: ['DEVICE'],
  async run(ctx) {
    const [device] = ctx.positionals as [string];
    if (ctx.values.cert === undefined) throw new UsageError('missing --cert FILE', ctx.usage);
    const certPem = await readFile(ctx.values.cert, 'utf8').catch((error: Error) => {
      throw new UsageError(`--cert: cannot read ${ctx.values.cert}: ${error.message}`, ctx.usage);
    });
    const created = await (await ctx.client()).send('POST', paths.credentials(device), CredentialCreated, {
      json: { kind: 'x509', certPem },
    });
    ctx.out.result({ credential: created.credential }, () => credentialRecord(created.credential));
  },
});
