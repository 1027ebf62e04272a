/**
 * `arra-mq acl add`: one ACL rule. Rules run in priority order (lower first, then by id) and the
 * first that matches decides; the verifier checks the topic filter and placeholders.
 */
import { Rule, type RuleCreate } from '../../../schemas/admin.js';
import { AclAction } from '../../../schemas/acl.js';
import { booleanWord } from '../_args.js';
import { defineCommand } from '../_command.js';
import { UsageError } from '../_errors.js';
import { paths } from './_paths.js';
import { rulesTable } from './_render.js';
import { subjectFrom, subjectOptions } from './_subject.js';

export default defineCommand({
  usage:
    'acl add --device ID|--group G|--all|--anonymous --action publish|subscribe|all --topic T [--eq] [--qos 0,1] [--retain true|false] --allow|--deny [--priority N]',
  summary: 'Add an ACL rule.',
  details: 'The topic may use ${clientid}, ${username} and ${device} as whole levels, e.g. devices/${device}/#.',
  options: {
    ...subjectOptions,
    action: { type: 'string', valueName: 'A', description: 'publish, subscribe or all' },
    topic: { type: 'string', valueName: 'T', description: 'topic filter the rule applies to' },
    eq: { type: 'boolean', description: 'match the topic literally, wildcards included' },
    qos: { type: 'string', valueName: 'LIST', description: 'only these QoS levels, e.g. 0,1 (default: any)' },
    retain: { type: 'string', valueName: 'BOOL', description: 'only retained (true) or only non-retained (false) publishes' },
    allow: { type: 'boolean', description: 'the rule allows' },
    deny: { type: 'boolean', description: 'the rule denies' },
    priority: { type: 'string', valueName: 'N', description: 'evaluation order, lower first (default 0)' },
  },
  positionals: [],
  async run(ctx) {
    const { values, usage } = ctx;
    const subject = subjectFrom(values, usage);
    if (!subject) throw new UsageError('missing subject: give one of --device, --group, --all, --anonymous', usage);
    if (values.allow === values.deny) throw new UsageError('give exactly one of --allow and --deny', usage);
    if (values.topic === undefined) throw new UsageError('missing --topic T', usage);
    const action = AclAction.safeParse(values.action);
    if (!action.success) throw new UsageError('--action: must be publish, subscribe or all', usage);
    const body: RuleCreate = {
      subject,
      action: action.data,
      topic: values.topic,
      eq: values.eq ?? false,
      qos: parseQos(values.qos, usage),
      retain: booleanWord(values.retain, 'retain', usage) ?? null,
      permission: values.allow ? 'allow' : 'deny',
      priority: parsePriority(values.priority, usage),
    };
    const rule = await (await ctx.client()).send('POST', paths.rules, Rule, { json: body });
    ctx.out.result({ rule }, () => rulesTable([rule]));
  },
});

function parseQos(value: string | undefined, usage: string): Array<0 | 1 | 2> | null {
  if (value === undefined) return null;
  const levels = value.split(',').map((part) => part.trim());
  if (!levels.every((level) => level === '0' || level === '1' || level === '2')) {
    throw new UsageError(`--qos: must be a comma-separated list of 0, 1, 2, got "${value}"`, usage);
  }
  return levels.map(Number) as Array<0 | 1 | 2>;
}

function parsePriority(value: string | undefined, usage: string): number {
  if (value === undefined) return 0;
  if (!/^-?[0-9]{1,7}$/.test(value)) throw new UsageError(`--priority: must be a whole number, got "${value}"`, usage);
  return Number(value);
}
