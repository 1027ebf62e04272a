/**
 * `arra-mq device add`: register a device and, with `--password`, give it a password in the same
 * step. A generated password is printed once; one the user typed is never echoed back.
 */
import { CredentialCreated, Device, type DeviceCreate } from '../../../schemas/admin.js';
import { optionalValue } from '../_args.js';
import { defineCommand } from '../_command.js';
import { CliError, UsageError } from '../_errors.js';
import { formatRecord } from '../_output.js';
import { paths } from './_paths.js';
import { devicePairs, deviceRecord } from './_render.js';

export default defineCommand({
  usage: 'device add ID [--group G]... [--superuser] [--no-clientid-match] [--password [SECRET]] [--attr k=v]...',
  summary: 'Register a device.',
  details: 'With --password and no SECRET a password is generated and printed once; store it then.',
  options: {
    group: { type: 'string', multiple: true, valueName: 'G', description: 'make the device a member of group G (repeatable)' },
    superuser: { type: 'boolean', description: 'the device bypasses ACL checks' },
    'no-clientid-match': { type: 'boolean', description: 'do not require the MQTT client id to equal the device id' },
    password: { type: 'string', valueName: '[SECRET]', description: 'also add a password (generated when SECRET is omitted)' },
    attr: { type: 'string', multiple: true, valueName: 'k=v', description: 'set attribute k to the string v (repeatable)' },
  },
  positionals: ['ID'],
  prepare: (args) => optionalValue(args, 'password'),
  async run(ctx) {
    const [id] = ctx.positionals as [string];
    const body: DeviceCreate = {
      id,
      groups: ctx.values.group ?? [],
      superuser: ctx.values.superuser ?? false,
      requireClientIdMatch: !ctx.values['no-clientid-match'],
      attributes: parseAttributes(ctx.values.attr ?? [], ctx.usage),
    };
    const client = await ctx.client();
    const device = await client.send('POST', paths.devices, Device, { json: body });
    if (ctx.values.password === undefined) {
      ctx.out.result({ device }, () => deviceRecord(device));
      return;
    }
    const secret = ctx.values.password === '' ? undefined : ctx.values.password;
    const created = await client
      .send('POST', paths.credentials(id), CredentialCreated, {
        json: { kind: 'password', ...(secret !== undefined && { secret }) },
      })
      .catch((error: unknown) => {
        // The device exists now: say so, or a retry would fail with a confusing conflict.
        if (error instanceof CliError) error.message = `device ${id} was created, but its password was not: ${error.message}`;
        throw error;
      });
    if (created.secret !== undefined) ctx.out.note('The generated password is shown only this once.');
    ctx.out.result({ device, credential: created.credential, ...(created.secret !== undefined && { secret: created.secret }) }, () =>
      formatRecord([...devicePairs(device), ['credential', created.credential.id], ['password', created.secret]]),
    );
  },
});

/** `k=v` pairs into an object; values stay strings, so what was typed is what is stored. */
function parseAttributes(pairs: string[], usage: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) throw new UsageError(`--attr: expected k=v, got "${pair}"`, usage);
    attributes[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return attributes;
}
