/**
 * `arra-mq decisions`: recent decisions (every deny, allows sampled) by device or reason; `--follow`
 * keeps printing them as they happen until interrupted.
 */
import { DecisionPage, type DecisionRecord } from '../../../schemas/admin.js';
import { RecordReason } from '../../../schemas/admin-explain.js';
import { defineCommand } from '../_command.js';
import { UsageError } from '../_errors.js';
import { formatTable, type Column } from '../_output.js';
import { paths } from './_paths.js';

const columns: ReadonlyArray<Column<DecisionRecord>> = [
  { header: 'at', value: (d) => d.at },
  { header: 'decision', value: (d) => (d.allow ? 'allow' : 'deny') },
  { header: 'reason', value: (d) => d.reason ?? '-' },
  { header: 'kind', value: (d) => (d.action ? `${d.kind} ${d.action}` : d.kind) },
  { header: 'device', value: (d) => d.deviceId ?? '-' },
  { header: 'client', value: (d) => d.clientId },
  { header: 'broker', value: (d) => d.broker },
  { header: 'address', value: (d) => d.peerAddress ?? '-' },
  { header: 'topic', value: (d) => d.topic ?? '-' },
];

const FOLLOW_WAIT_SECONDS = 25;

export default defineCommand({
  usage: 'decisions [--device ID] [--reason R] [--denies] [--follow]',
  summary: 'Show recent decisions (every deny, allows sampled), newest last.',
  details: '--follow keeps printing new ones (one JSON document per line with --json) until Ctrl-C.',
  options: {
    device: { type: 'string', valueName: 'ID', description: 'only decisions for this device' },
    reason: { type: 'string', valueName: 'R', description: 'only denies for this reason, e.g. acl_denied' },
    denies: { type: 'boolean', description: 'only denies' },
    follow: { type: 'boolean', description: 'keep printing new decisions' },
  },
  positionals: [],
  async run(ctx) {
    const { values, usage } = ctx;
    if (values.reason !== undefined && !RecordReason.safeParse(values.reason).success) {
      throw new UsageError(`--reason: must be one of ${RecordReason.options.join(', ')}`, usage);
    }
    const client = await ctx.client();
    const filter = { device: values.device, reason: values.reason, allow: values.denies ? 'false' : undefined };
    const first = await client.send('GET', paths.decisions, DecisionPage, { query: { ...filter, limit: '1000' } });
    if (!values.follow) {
      ctx.out.result(first, () => formatTable(first.items, columns));
      return;
    }
    const print = (items: DecisionRecord[], header: boolean) => {
      if (ctx.out.json) for (const item of items) ctx.out.streams.stdout.write(`${JSON.stringify(item)}\n`);
      else if (items.length > 0) ctx.out.streams.stdout.write(header ? formatTable(items, columns) : formatTable(items, columns).split('\n').slice(1).join('\n'));
    };
    print(first.items, true);
    for (let after = first.last; ; ) {
      const page = await client.send('GET', paths.decisions, DecisionPage, { query: { ...filter, after: String(after), wait: String(FOLLOW_WAIT_SECONDS), limit: '1000' }, timeoutMs: (FOLLOW_WAIT_SECONDS + 10) * 1000 });
      print(page.items, false);
      after = page.items.at(-1)?.seq ?? page.last;
    }
  },
});
