/**
 * `arra-mq group add`: a device group. With `--issuer` and `--jwks-url` its members may also present
 * JWTs from that external issuer (EMQX-style JWKS authentication), with the algorithms pinned.
 */
import { z } from 'zod';
import { ExternalIssuerSchema, Group, type GroupCreate } from '../../../schemas/admin.js';
import { defineCommand } from '../_command.js';
import { UsageError } from '../_errors.js';
import { formatTable } from '../_output.js';
import { paths } from './_paths.js';
import { groupColumns } from './_render.js';

/** Pinned when --alg is not given: what most identity providers sign with. */
const DEFAULT_ALGORITHMS = ['RS256', 'ES256'];

export default defineCommand({
  usage: 'group add NAME [--description D] [--issuer ISS --jwks-url URL [--audience A] [--alg ES256,...]]',
  summary: 'Create a device group, optionally trusting an external JWT issuer.',
  options: {
    description: { type: 'string', valueName: 'D', description: 'what the group is for' },
    issuer: { type: 'string', valueName: 'ISS', description: 'trust JWTs whose iss is ISS' },
    'jwks-url': { type: 'string', valueName: 'URL', description: "the issuer's JWKS (required with --issuer)" },
    audience: { type: 'string', valueName: 'A', description: 'required aud of those JWTs' },
    alg: { type: 'string', valueName: 'LIST', description: `accepted algorithms (default ${DEFAULT_ALGORITHMS.join(',')})` },
  },
  positionals: ['NAME'],
  async run(ctx) {
    const [name] = ctx.positionals as [string];
    const body: GroupCreate = { name, description: ctx.values.description ?? null, externalIssuer: externalIssuer(ctx.values, ctx.usage) };
    const group = await (await ctx.client()).send('POST', paths.groups, Group, { json: body });
    ctx.out.result({ group }, () => formatTable([group], groupColumns));
  },
});

interface IssuerValues {
  issuer?: string | undefined;
  'jwks-url'?: string | undefined;
  audience?: string | undefined;
  alg?: string | undefined;
}

function externalIssuer(values: IssuerValues, usage: string): GroupCreate['externalIssuer'] {
  const jwksUrl = values['jwks-url'];
  if (values.issuer === undefined && jwksUrl === undefined) {
    if (values.audience !== undefined || values.alg !== undefined) throw new UsageError('--audience and --alg need --issuer', usage);
    return null;
  }
  if (values.issuer === undefined || jwksUrl === undefined) throw new UsageError('give --issuer and --jwks-url together', usage);
  return { issuer: values.issuer, jwksUrl, audience: values.audience ?? null, algorithms: parseAlgorithms(values.alg, usage) };
}

const Algorithms = ExternalIssuerSchema.shape.algorithms;

function parseAlgorithms(value: string | undefined, usage: string): z.infer<typeof Algorithms> {
  const names = value?.split(',').map((alg) => alg.trim()) ?? DEFAULT_ALGORITHMS;
  const parsed = Algorithms.safeParse(names);
  if (parsed.success) return parsed.data;
  const allowed = Algorithms.element.options.join(', ');
  throw new UsageError(`--alg: each must be one of ${allowed}, got "${value}"`, usage);
}
