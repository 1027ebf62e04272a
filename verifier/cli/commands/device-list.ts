/**
 * `arra-mq device list`: every device (or a group's, or those whose id starts with or contains a text), following the
 * API's cursors so the output is complete, up to `--limit`.
 */
import { DevicePage, type Device } from '../../../schemas/admin.js';
import { positiveInt } from '../_args.js';
import { defineCommand } from '../_command.js';
import { formatTable } from '../_output.js';
import { paths } from './_paths.js';
import { deviceColumns } from './_render.js';

/** The largest page the API serves (`DeviceListQuery.limit` max). */
const PAGE_SIZE = 1000;

export default defineCommand({
  usage: 'device list [--group G] [--prefix P] [--search S] [--limit N]',
  summary: 'List devices, ordered by id.',
  options: {
    group: { type: 'string', valueName: 'G', description: 'only members of group G' },
    prefix: { type: 'string', valueName: 'P', description: 'only ids that start with P' },
    search: { type: 'string', valueName: 'S', description: 'only ids that contain S' },
    limit: { type: 'string', valueName: 'N', description: 'print at most N devices' },
  },
  positionals: [],
  async run(ctx) {
    const limit = positiveInt(ctx.values.limit, 'limit', ctx.usage) ?? Number.POSITIVE_INFINITY;
    const client = await ctx.client();
    const items: Device[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.send('GET', paths.devices, DevicePage, {
        query: { limit: Math.min(PAGE_SIZE, limit - items.length), cursor, group: ctx.values.group, prefix: ctx.values.prefix, search: ctx.values.search },
      });
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined && items.length < limit);
    ctx.out.result({ items }, () => formatTable(items, deviceColumns));
  },
});
