/**
 * The CLI's failure contract as a child process: usage errors (2), an unreachable verifier (5), a
 * refused token (6), help on every level (0), and `--json` keeping stdout one document even then.
 *
 * @module verifier/cli/errors.test
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { EXIT } from '../_exit-codes.js';
import { closedPort, runCli, runJson } from './run-cli.js';
import { startTestVerifier } from '../../test/test-verifier.js';

test('unknown options, verbs and missing arguments exit 2 with the usage on stderr', async () => {
  const unknownOption = await runCli(undefined, ['device', 'add', 'd1', '--bogus']);
  assert.equal(unknownOption.code, EXIT.USAGE);
  assert.match(unknownOption.stderr, /Unknown option '--bogus'/);
  assert.match(unknownOption.stderr, /Usage: arra-mq device add ID/);
  assert.equal(unknownOption.stdout, '');

  const missing = await runJson(undefined, ['token', 'issue']);
  assert.equal(missing.code, EXIT.USAGE);
  assert.deepEqual(missing.json, { error: { code: 'ERR_USAGE', message: 'missing DEVICE' } });

  const twoSubjects = await runCli(undefined, ['acl', 'add', '--all', '--anonymous', '--action', 'all', '--topic', 'a', '--allow']);
  assert.equal(twoSubjects.code, EXIT.USAGE);
  assert.match(twoSubjects.stderr, /only one of --device, --group, --all, --anonymous/);

  const unknownVerb = await runCli(undefined, ['device', 'frobnicate']);
  assert.equal(unknownVerb.code, EXIT.USAGE);
  assert.match(unknownVerb.stderr, /Verbs:\n\s+add/);
});

test('a key id that starts with "-" is not read as -h: the usage error says to put it after "--"', async () => {
  // A JWK thumbprint is base64url, so one key id in 64 starts with '-' ("-hX3f…" once printed help and exited 0).
  const grouped = await runCli(undefined, ['keys', 'retire', '-hX3f']);
  assert.equal(grouped.code, EXIT.USAGE);
  assert.equal(grouped.stdout, '');
  assert.match(grouped.stderr, /Unknown option '-X'; if "-hX3f" is a value, put it after "--": -- -hX3f/);
});

test('--help on every level prints help on stdout and exits 0; --version prints the version', async () => {
  const root = await runCli(undefined, ['--help']);
  assert.equal(root.code, EXIT.OK);
  assert.match(root.stdout, /Exit codes:\n\s+0\s+success/);
  const noun = await runCli(undefined, ['cert', '--help']);
  assert.match(noun.stdout, /^Usage: arra-mq cert <verb>/);
  const verb = await runCli(undefined, ['help', 'cert', 'issue']);
  assert.match(verb.stdout, /--out DIR/);
  const flag = await runCli(undefined, ['keys', 'rotate', '-h']);
  assert.match(flag.stdout, /--alg ALG/);
  for (const result of [noun, verb, flag]) assert.equal(result.code, EXIT.OK);

  // Through the published entry point, as `npx arra-mq --version` runs it.
  const version = await runCli(undefined, ['--version'], { viaBin: true });
  assert.equal(version.code, EXIT.OK, version.stderr);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
});

test('a closed port exits 5 and says the verifier is unreachable', async () => {
  const port = await closedPort();
  const result = await runJson(undefined, ['device', 'list', '--url', `http://127.0.0.1:${port}`, '--token', 'whatever']);
  assert.equal(result.code, EXIT.UNREACHABLE);
  assert.equal(result.json.error.code, 'ERR_UNREACHABLE');
  assert.match(result.stderr, /cannot reach the verifier at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
});

test('a wrong admin token exits 6, and the token never appears in the output', async (t) => {
  const verifier = await startTestVerifier(t);
  const wrong = 'wrong-token-that-must-not-be-printed';
  const result = await runCli(verifier, ['device', 'list'], { env: { ARRA_ADMIN_TOKEN: wrong } });
  assert.equal(result.code, EXIT.UNAUTHORIZED);
  assert.doesNotMatch(result.stdout + result.stderr, new RegExp(wrong));

  const none = await runCli(undefined, ['device', 'list', '--url', verifier.adminUrl]);
  assert.equal(none.code, EXIT.UNAUTHORIZED);
  assert.match(none.stderr, /no admin token/);
});

test('the token is read from --token-file, and from the file the verifier generated in $ARRA_DATA_DIR', async (t) => {
  const verifier = await startTestVerifier(t, { generateToken: true });
  const generated = join(verifier.dataDir, 'admin-token');
  const env = { ARRA_URL: verifier.adminUrl, ARRA_DATA_DIR: verifier.dataDir };
  const fromDataDir = await runCli(undefined, ['device', 'add', 'gen-1'], { env });
  assert.equal(fromDataDir.code, EXIT.OK, fromDataDir.stderr);

  const copy = join(verifier.dataDir, 'copy-of-token');
  await writeFile(copy, await readFile(generated), { mode: 0o600 });
  const fromFlag = await runCli(undefined, ['device', 'show', 'gen-1', '--url', verifier.adminUrl, '--token-file', copy]);
  assert.equal(fromFlag.code, EXIT.OK, fromFlag.stderr);
  // An explicit --token wins over the file, so a wrong one is refused.
  const flagWins = await runCli(undefined, ['device', 'show', 'gen-1', '--token', 'not-the-token'], { env });
  assert.equal(flagWins.code, EXIT.UNAUTHORIZED);
});
