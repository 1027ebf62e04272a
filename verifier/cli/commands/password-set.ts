/**
 * `arra-mq password set`: add a password credential. Without SECRET the verifier generates one and
 * it is printed alone on stdout, once; a SECRET the user gave is never echoed.
 */
import { CredentialCreated } from '../../../schemas/admin.js';
import { defineCommand } from '../_command.js';
import { paths } from './_paths.js';
import { credentialRecord } from './_render.js';

export default defineCommand({
  usage: 'password set DEVICE [SECRET]',
  summary: 'Add a password to a device; generated and printed once when SECRET is omitted.',
  details: 'A SECRET on the command line is visible in the process list; prefer the generated one.',
  options: {},
  positionals: ['DEVICE', 'SECRET?'],
  async run(ctx) {
    const [device, secret] = ctx.positionals as [string, string | undefined];
    const created = await (await ctx.client()).send('POST', paths.credentials(device), CredentialCreated, {
      json: { kind: 'password', ...(secret !== undefined && { secret }) },
    });
    if (created.secret === undefined) {
      ctx.out.result(created, () => credentialRecord(created.credential));
      return;
    }
    const generated = created.secret;
    ctx.out.note(`Password credential ${created.credential.id} added; the password is shown only this once.`);
    ctx.out.result(created, () => generated);
  },
});
