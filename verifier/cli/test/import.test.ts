/**
 * `arra-mq import` as a child process: a 10,000-row CSV streamed in one call, the JSON form, and a
 * rejected row named by its line.
 *
 * @module verifier/cli/import.test
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { EXIT } from '../_exit-codes.js';
import { ROOT, runCli, runJson } from './run-cli.js';
import { ADMIN_TOKEN, startTestVerifier } from '../../test/test-verifier.js';

/** Async on purpose: the verifier answers from this same process, so its event loop must keep running. */
function runProcess(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, cwd: ROOT, timeout: 120_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}

test('import of a 10,000-row CSV creates every device, and device list pages through all of them', async (t) => {
  const verifier = await startTestVerifier(t);
  const rows = Array.from({ length: 10_000 }, (_, i) => `bulk-${String(i).padStart(5, '0')},fleet;eu,false`);
  const file = join(verifier.dataDir, 'devices.csv');
  await writeFile(file, ['id,groups,superuser', ...rows].join('\n'));

  const imported = await runJson(verifier, ['import', file]);
  assert.equal(imported.code, EXIT.OK, imported.stderr);
  assert.deepEqual(imported.json, { created: 10_000, updated: 0, skipped: 0 });

  // More than one page (1000 a page): the CLI must follow nextCursor to the end.
  const listed = await runJson(verifier, ['device', 'list', '--group', 'fleet']);
  assert.equal(listed.json.items.length, 10_000);
  assert.equal(listed.json.items.at(-1).id, 'bulk-09999');
  const limited = await runJson(verifier, ['device', 'list', '--limit', '1500']);
  assert.equal(limited.json.items.length, 1500);
});

test('import of a JSON file prints a final line in human mode', async (t) => {
  const verifier = await startTestVerifier(t);
  const file = join(verifier.dataDir, 'devices.json');
  await writeFile(file, JSON.stringify({ devices: [{ id: 'j-1' }, { id: 'j-2', groups: ['g'], password: 'long-enough-secret' }] }));
  const imported = await runCli(verifier, ['import', file]);
  assert.equal(imported.code, EXIT.OK, imported.stderr);
  assert.equal(imported.stdout, `imported 2 devices from ${file}\n`);
  // Not a terminal: no progress bar on stderr.
  assert.equal(imported.stderr, '');
});

test('on a terminal, import shows upload progress on stderr and ends with one final line', async (t) => {
  if (!existsSync('/usr/bin/script')) return t.skip('util-linux script(1) is needed to give the CLI a terminal');
  const verifier = await startTestVerifier(t);
  const file = join(verifier.dataDir, 'tty.csv');
  await writeFile(file, ['id', ...Array.from({ length: 20_000 }, (_, i) => `tty-${i}`)].join('\n'));
  // script(1) runs the CLI on a pseudo-terminal, so stderr.isTTY is true as for a person at a shell.
  const command = `${process.execPath} --import tsx runtime/cli.ts import ${file}`;
  const result = await runProcess('/usr/bin/script', ['-qec', command, '/dev/null'], {
    ...process.env,
    ARRA_URL: verifier.adminUrl,
    ARRA_ADMIN_TOKEN: ADMIN_TOKEN,
  });
  assert.match(result, /\ruploading tty\.csv \[#+-*\] +\d+% /);
  assert.match(result, /100% [\d.]+\/[\d.]+ MB/);
  // eslint-disable-next-line no-control-regex -- the progress line is erased with ESC [2K
  assert.match(result, /\r\x1b\[2Kimported 20000 devices from .*tty\.csv\r?\n$/);
});

test('import of a CSV with a bad row exits 7, names the row, and creates nothing', async (t) => {
  const verifier = await startTestVerifier(t);
  const file = join(verifier.dataDir, 'bad.csv');
  await writeFile(file, 'id,superuser\nok-1,false\nok-2,maybe\n');
  const imported = await runJson(verifier, ['import', file]);
  assert.equal(imported.code, EXIT.REJECTED);
  assert.match(imported.json.error.fields[0].path, /line\.3\.superuser/);
  const listed = await runJson(verifier, ['device', 'list']);
  assert.deepEqual(listed.json.items, []);
});

test('an import larger than the verifier accepts exits 7 with the reason, not as unreachable', async (t) => {
  const verifier = await startTestVerifier(t, { env: { ARRA_IMPORT_BODY_LIMIT: '4096' } });
  const file = join(verifier.dataDir, 'big.csv');
  await writeFile(file, ['id', ...Array.from({ length: 2_000 }, (_, i) => `big-${i}`)].join('\n'));
  const imported = await runJson(verifier, ['import', file]);
  assert.equal(imported.code, EXIT.REJECTED, imported.stderr);
  assert.match(imported.json.error.message, /larger than this route accepts/);
});

test('import of a file that is neither .csv nor .json is a usage error', async () => {
  const result = await runCli(undefined, ['import', 'devices.txt']);
  assert.equal(result.code, EXIT.USAGE);
  assert.match(result.stderr, /must end in \.csv or \.json/);
});

test('import --on-conflict skip|update lets a re-run converge; the default still refuses with exit 4', async (t) => {
  const verifier = await startTestVerifier(t);
  const file = join(verifier.dataDir, 'again.json');
  await writeFile(file, JSON.stringify({ devices: [{ id: 'again-1' }, { id: 'again-2', groups: ['g'] }] }));
  assert.equal((await runCli(verifier, ['import', file])).code, EXIT.OK);
  assert.equal((await runCli(verifier, ['import', file])).code, EXIT.CONFLICT);
  const skipped = await runCli(verifier, ['import', file, '--on-conflict', 'skip']);
  assert.equal(skipped.code, EXIT.OK, skipped.stderr);
  assert.equal(skipped.stdout, `imported 0 devices from ${file} (already registered: 0 updated, 2 skipped)\n`);
  const updated = await runJson(verifier, ['import', file, '--on-conflict', 'update']);
  assert.deepEqual(updated.json, { created: 0, updated: 2, skipped: 0 });
  const bad = await runCli(verifier, ['import', file, '--on-conflict', 'merge']);
  assert.equal(bad.code, EXIT.USAGE);
  assert.match(bad.stderr, /--on-conflict: must be fail, skip or update, got "merge"/);
});
