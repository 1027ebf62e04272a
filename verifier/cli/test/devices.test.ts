/**
 * `arra-mq device ...`, `password set` and `token ...` as a child process against a running verifier.
 *
 * @module verifier/cli/devices.test
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXIT } from '../_exit-codes.js';
import { runCli, runJson } from './run-cli.js';
import { startTestVerifier } from '../../test/test-verifier.js';

test('device add, show, disable, enable, list and remove round-trip with --json', async (t) => {
  const verifier = await startTestVerifier(t);

  const added = await runJson(verifier, ['device', 'add', 'dev-1', '--group', 'sensors', '--group', 'eu', '--attr', 'site=lab', '--no-clientid-match']);
  assert.equal(added.code, EXIT.OK, added.stderr);
  assert.deepEqual([...added.json.device.groups].sort(), ['eu', 'sensors']);
  assert.equal(added.json.device.requireClientIdMatch, false);
  assert.deepEqual(added.json.device.attributes, { site: 'lab' });

  const disabled = await runJson(verifier, ['device', 'disable', 'dev-1', '--reason', 'stolen']);
  assert.equal(disabled.json.device.enabled, false);
  assert.equal(disabled.json.device.disabledReason, 'stolen');
  const enabled = await runJson(verifier, ['device', 'enable', 'dev-1']);
  assert.equal(enabled.json.device.enabled, true);
  assert.equal(enabled.json.device.disabledReason, null);

  const shown = await runJson(verifier, ['device', 'show', 'dev-1']);
  assert.equal(shown.json.id, 'dev-1');
  assert.deepEqual(shown.json.credentials, []);

  const removed = await runJson(verifier, ['device', 'remove', 'dev-1']);
  assert.deepEqual(removed.json, { removed: { device: 'dev-1' } });
  const gone = await runJson(verifier, ['device', 'show', 'dev-1']);
  assert.equal(gone.code, EXIT.NOT_FOUND);
  assert.equal(gone.json.error.code, 'ERR_NOT_FOUND');
});

test('device list filters by prefix or a part of the id, stops at --limit and prints an aligned table', async (t) => {
  const verifier = await startTestVerifier(t);
  const ids = ['a-1', 'a-2', 'a-3', 'b-1'];
  for (const id of ids) assert.equal((await runCli(verifier, ['device', 'add', id])).code, EXIT.OK);

  const all = await runJson(verifier, ['device', 'list']);
  assert.deepEqual(all.json.items.map((d: { id: string }) => d.id), ids);
  const prefixed = await runJson(verifier, ['device', 'list', '--prefix', 'a-', '--limit', '2']);
  assert.deepEqual(prefixed.json.items.map((d: { id: string }) => d.id), ['a-1', 'a-2']);
  const containing = await runJson(verifier, ['device', 'list', '--search', '-1']);
  assert.deepEqual(containing.json.items.map((d: { id: string }) => d.id), ['a-1', 'b-1']);

  const table = await runCli(verifier, ['device', 'list']);
  const lines = table.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^ID\s+ENABLED\s+GROUPS\s+SUPERUSER\s+CREATED$/);
  assert.equal(lines.length, 1 + ids.length);
  // Columns are aligned: every row has its second column where the header has it.
  const column = lines[0]!.indexOf('ENABLED');
  for (const line of lines.slice(1)) assert.match(line.slice(column), /^yes\s/);
});

test('device add twice exits 4 with the conflict named', async (t) => {
  const verifier = await startTestVerifier(t);
  assert.equal((await runCli(verifier, ['device', 'add', 'twin'])).code, EXIT.OK);
  const again = await runCli(verifier, ['device', 'add', 'twin']);
  assert.equal(again.code, EXIT.CONFLICT);
  assert.match(again.stderr, /twin/);
  assert.equal(again.stdout, '');
});

test('a device id the verifier rejects exits 7 and names the id field', async (t) => {
  const verifier = await startTestVerifier(t);
  const bad = await runJson(verifier, ['device', 'add', 'bad/id']);
  assert.equal(bad.code, EXIT.REJECTED);
  assert.equal(bad.json.error.code, 'ERR_REJECTED');
  assert.deepEqual(bad.json.error.fields.map((f: { path: string }) => f.path), ['body.id']);
  const human = await runCli(verifier, ['device', 'add', 'bad/id']);
  assert.equal(human.code, EXIT.REJECTED);
  assert.match(human.stderr, /^\s+id: must match/m);
});

test('device ids . and .. are refused (exit 7, naming the id field) and leave no half device behind', async (t) => {
  const verifier = await startTestVerifier(t);
  for (const id of ['.', '..']) {
    const bad = await runJson(verifier, ['device', 'add', id, '--password', 'correct horse battery']);
    assert.equal(bad.code, EXIT.REJECTED, bad.stderr);
    assert.deepEqual(bad.json.error.fields.map((f: { path: string }) => f.path), ['body.id']);
    const human = await runCli(verifier, ['device', 'add', id]);
    assert.equal(human.code, EXIT.REJECTED);
    assert.match(human.stderr, /id: must match .*not be "\." or "\.\."/);
  }
  const list = await runJson(verifier, ['device', 'list']);
  assert.equal(list.code, EXIT.OK, list.stderr);
  assert.deepEqual(list.json.items, [], 'no device was created');
  assert.equal((await runCli(verifier, ['device', 'add', '...'])).code, EXIT.OK, 'three dots are an ordinary id');
});

test('device add --password without a value prints the generated password once; a given one is never echoed', async (t) => {
  const verifier = await startTestVerifier(t);
  const generated = await runJson(verifier, ['device', 'add', 'pw-1', '--password']);
  assert.equal(generated.code, EXIT.OK, generated.stderr);
  assert.equal(typeof generated.json.secret, 'string');
  assert.equal(generated.json.credential.kind, 'password');

  const human = await runCli(verifier, ['device', 'add', 'pw-h', '--group', 'g1', '--password']);
  assert.equal(human.code, EXIT.OK, human.stderr);
  // One record, keys aligned: the password line lines up with the device's own lines.
  const valueColumn = (key: string) => new RegExp(`^${key} +`, 'm').exec(human.stdout)?.[0].length;
  assert.equal(valueColumn('password'), valueColumn('id'));
  assert.match(human.stdout, /^groups +g1$/m);
  assert.match(human.stderr, /shown only this once/);

  const given = await runCli(verifier, ['device', 'add', 'pw-2', '--password', 'correct-horse-battery']);
  assert.equal(given.code, EXIT.OK, given.stderr);
  assert.doesNotMatch(given.stdout + given.stderr, /correct-horse-battery/);
});

test('password set prints a generated password alone on stdout', async (t) => {
  const verifier = await startTestVerifier(t);
  await runCli(verifier, ['device', 'add', 'pw-3']);
  const set = await runCli(verifier, ['password', 'set', 'pw-3']);
  assert.equal(set.code, EXIT.OK, set.stderr);
  assert.match(set.stdout, /^\S{8,}\n$/);
  assert.match(set.stderr, /only this once/);
  const shown = await runJson(verifier, ['device', 'show', 'pw-3']);
  assert.equal(shown.json.credentials.length, 1);
});

test('token issue prints the JWT alone on stdout; token revoke revokes it by jti', async (t) => {
  const verifier = await startTestVerifier(t);
  await runCli(verifier, ['device', 'add', 'tok-1']);
  const human = await runCli(verifier, ['token', 'issue', 'tok-1', '--ttl', '600']);
  assert.equal(human.code, EXIT.OK, human.stderr);
  assert.match(human.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  const claims = JSON.parse(Buffer.from(human.stdout.split('.')[1]!, 'base64url').toString()) as { sub: string; exp: number; iat: number };
  assert.equal(claims.sub, 'tok-1');
  assert.equal(claims.exp - claims.iat, 600);

  const issued = await runJson(verifier, ['token', 'issue', 'tok-1']);
  const revoked = await runJson(verifier, ['token', 'revoke', issued.json.jti]);
  assert.equal(revoked.code, EXIT.OK, revoked.stderr);
  assert.equal(revoked.json.token.revoked, true);
  const missing = await runCli(verifier, ['token', 'issue', 'nobody']);
  assert.equal(missing.code, EXIT.NOT_FOUND);
});
