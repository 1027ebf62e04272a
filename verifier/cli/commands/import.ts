/** The file is streamed as it is, never loaded whole; the verifier creates all devices or none. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { Transform } from 'node:stream';
import { ImportConflictPolicy, ImportResult } from '../../../schemas/admin.js';
import { defineCommand } from '../_command.js';
import { UsageError } from '../_errors.js';
import { ProgressBar } from '../_progress.js';
import { paths } from './_paths.js';

/** The answer comes after every password's scrypt: 10,000 password devices take minutes on a small host. */
const IMPORT_TIMEOUT_MS = 60 * 60 * 1000;

const CONTENT_TYPES: Record<string, string> = { '.csv': 'text/csv', '.json': 'application/json' };

export default defineCommand({
  usage: 'import FILE.csv|FILE.json [--on-conflict fail|skip|update]',
  summary: 'Register many devices from a CSV or JSON file, all or none.',
  details: [
    'An id already registered fails the whole import (fail, the default), is left as it is (skip) or is',
    'made to match its row (update): with skip or update, re-running an import whose answer was lost converges.',
    'CSV: a header line, then one device a line: id,groups,superuser,password,cert_fingerprint',
    '     (groups separated by ";"; empty cells mean the default).',
    'JSON: {"devices": [{"id": "...", "groups": [...], "password": "...", ...}]}',
  ].join('\n'),
  options: {
    'on-conflict': { type: 'string', valueName: 'POLICY', description: 'fail (default), skip or update devices already registered' },
  },
  positionals: ['FILE'],
  async run(ctx) {
    const [file] = ctx.positionals as [string];
    const contentType = CONTENT_TYPES[extname(file).toLowerCase()];
    if (!contentType) throw new UsageError(`FILE: must end in .csv or .json, got "${file}"`, ctx.usage);
    const onConflict = ImportConflictPolicy.safeParse(ctx.values['on-conflict'] ?? 'fail');
    if (!onConflict.success) throw new UsageError(`--on-conflict: must be fail, skip or update, got "${ctx.values['on-conflict']}"`, ctx.usage);
    const size = await stat(file).then(
      (stats) => stats.size,
      (error: Error) => {
        throw new UsageError(`FILE: cannot read ${file}: ${error.message}`, ctx.usage);
      },
    );
    const stderr = ctx.out.streams.stderr;
    const bar = !ctx.out.json && stderr.isTTY ? new ProgressBar(stderr, size, `uploading ${basename(file)}`) : undefined;
    const stream = createReadStream(file).pipe(
      countBytes(
        (bytes) => bar?.advance(bytes),
        () => bar?.finish('processing on the verifier...'),
      ),
    );
    const client = await ctx.client();
    const result = await client
      .send('POST', paths.import, ImportResult, {
        raw: { stream, contentType, length: size },
        query: { onConflict: onConflict.data },
        timeoutMs: IMPORT_TIMEOUT_MS,
      })
      .finally(() => bar?.finish());
    ctx.out.result(result, () => {
      const existing = result.updated + result.skipped > 0 ? ` (already registered: ${result.updated} updated, ${result.skipped} skipped)` : '';
      return `imported ${result.created} devices from ${file}${existing}`;
    });
  },
});

/** Passes bytes through unchanged, reporting how many went by and when the last one did. */
function countBytes(onBytes: (bytes: number) => void, onEnd: () => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      onBytes(chunk.length);
      callback(null, chunk);
    },
    flush(callback) {
      onEnd();
      callback();
    },
  });
}
