/**
 * `arra-mq acl explain`: why a device may or may not publish or subscribe to a topic, with the rule
 * that decided and the rules read before it.
 */
import { Explanation, type ExplainRequest } from '../../../schemas/admin.js';
import { booleanWord } from '../_args.js';
import { defineCommand } from '../_command.js';
import { UsageError } from '../_errors.js';
import { formatTable, type Column } from '../_output.js';
import { paths } from './_paths.js';
import { subjectText } from './_render.js';

type ExplainedRule = Explanation['rules'][number];

const MARKS: Record<ExplainedRule['outcome'], string> = { decided: '=>', not_applicable: '  ', overlaps: '~ ', not_reached: '  ', dropped: 'x ' };

const columns: ReadonlyArray<Column<ExplainedRule>> = [
  { header: '', value: (r) => MARKS[r.outcome] },
  { header: 'id', value: (r) => String(r.id) },
  { header: 'priority', value: (r) => String(r.priority) },
  { header: 'subject', value: (r) => subjectText(r.subject) },
  { header: 'action', value: (r) => r.action },
  { header: 'permission', value: (r) => r.permission },
  { header: 'pattern', value: (r) => r.pattern },
  { header: 'as substituted', value: (r) => r.substituted.join(' ') || '(dropped: unsafe placeholder value)' },
  { header: 'outcome', value: (r) => r.outcome.replace('_', ' ') },
];

export function explanationText(e: Explanation): string {
  const head = [`${e.allow ? 'ALLOW' : 'DENY'}${e.reason ? ` (${e.reason})` : ''}: ${e.message}`];
  if (e.topic !== null) head.push(`topic as judged: ${e.topic}`);
  const p = e.placeholders;
  head.push(`placeholders: \${device}=${p.device ?? '-'} \${clientid}=${p.clientid ?? '-'} \${username}=${p.username ?? '-'}`);
  const parts = [head.join('\n')];
  if (e.rules.length > 0) parts.push(formatTable(e.rules, columns).trimEnd());
  for (const p of e.partialAllows) parts.push(`rule ${p.ruleId} allows only ${p.topic} of this filter`);
  if (e.uncovered && e.uncovered.parts.length > 0) parts.push(uncoveredText(e.uncovered));
  return `${parts.join('\n\n')}\n`;
}

function uncoveredText(uncovered: NonNullable<Explanation['uncovered']>): string {
  const lines = uncovered.parts.map((u) => {
    const except = u.except.length > 0 ? ` except ${u.except.join(', ')}` : '';
    return `  ${u.filter}${except} (${u.deniedBy === null ? 'ARRA_ACL_NO_MATCH' : `denied by rule ${u.deniedBy}`}), e.g. ${u.example}`;
  });
  return ['not covered:', ...lines, ...(uncovered.truncated ? ['  (more not listed)'] : [])].join('\n');
}

export default defineCommand({
  usage: 'acl explain (--device ID|--anonymous) --action publish|subscribe --topic T [--qos N] [--retain true|false] [--clientid C] [--username U] [--bundled]',
  summary: 'Explain the decision for a device, action and topic: the rule that decided and those read before it.',
  details: '--bundled reads an overlapping deny as the bundled broker does (checked per delivery); by default as NanoMQ, EMQX and go-auth do.',
  options: {
    device: { type: 'string', valueName: 'ID', description: 'the device asking' },
    anonymous: { type: 'boolean', description: 'an anonymous client' },
    action: { type: 'string', valueName: 'A', description: 'publish or subscribe' },
    topic: { type: 'string', valueName: 'T', description: 'topic name (publish) or filter (subscribe)' },
    qos: { type: 'string', valueName: 'N', description: 'QoS 0, 1 or 2' },
    retain: { type: 'string', valueName: 'BOOL', description: 'the retain flag of a publish' },
    clientid: { type: 'string', valueName: 'C', description: 'client id for ${clientid} (default: the device id)' },
    username: { type: 'string', valueName: 'U', description: 'username for ${username} (default: the device id)' },
    bundled: { type: 'boolean', description: 'as the bundled broker enforces' },
  },
  positionals: [],
  async run(ctx) {
    const { values, usage } = ctx;
    if ((values.device === undefined) === (values.anonymous !== true)) throw new UsageError('give exactly one of --device ID and --anonymous', usage);
    if (values.action !== 'publish' && values.action !== 'subscribe') throw new UsageError('--action: must be publish or subscribe', usage);
    if (values.topic === undefined) throw new UsageError('missing --topic T', usage);
    if (values.qos !== undefined && !/^[012]$/.test(values.qos)) throw new UsageError(`--qos: must be 0, 1 or 2, got "${values.qos}"`, usage);
    const body: ExplainRequest = {
      deviceId: values.device ?? null,
      action: values.action,
      topic: values.topic,
      qos: values.qos === undefined ? undefined : (Number(values.qos) as 0 | 1 | 2),
      retain: booleanWord(values.retain, 'retain', usage),
      clientId: values.clientid,
      username: values.username,
      broker: values.bundled ? 'bundled' : 'webhook',
    };
    const explanation = await (await ctx.client()).send('POST', paths.explain, Explanation, { json: body });
    ctx.out.result(explanation, () => explanationText(explanation));
  },
});
