/**
 * `arra-mq acl ...`, `group ...` and `keys ...` as a child process against a running verifier.
 *
 * @module verifier/cli/rules-groups-keys.test
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXIT } from '../_exit-codes.js';
import { runCli, runJson } from './run-cli.js';
import { startTestVerifier } from '../../test/test-verifier.js';

test('acl add, list (filtered by subject) and remove round-trip', async (t) => {
  const verifier = await startTestVerifier(t);
  await runCli(verifier, ['group', 'add', 'sensors']);
  const own = await runJson(verifier, ['acl', 'add', '--group', 'sensors', '--action', 'publish', '--topic', 'devices/${device}/#', '--qos', '0,1', '--retain', 'false', '--allow', '--priority', '10']);
  assert.equal(own.code, EXIT.OK, own.stderr);
  assert.deepEqual(
    { ...own.json.rule, id: undefined, createdAt: undefined },
    { id: undefined, createdAt: undefined, subject: { kind: 'group', name: 'sensors' }, action: 'publish', topic: 'devices/${device}/#', eq: false, qos: [0, 1], retain: false, permission: 'allow', priority: 10 },
  );
  const everyone = await runJson(verifier, ['acl', 'add', '--all', '--action', 'all', '--topic', '#', '--deny', '--priority=-5']);
  assert.equal(everyone.code, EXIT.OK, everyone.stderr);

  const all = await runJson(verifier, ['acl', 'list']);
  assert.deepEqual(all.json.items.map((r: { priority: number }) => r.priority), [-5, 10]);
  const filtered = await runJson(verifier, ['acl', 'list', '--group', 'sensors']);
  assert.deepEqual(filtered.json.items.map((r: { id: number }) => r.id), [own.json.rule.id]);

  const table = await runCli(verifier, ['acl', 'list']);
  assert.match(table.stdout, /^ID\s+PRIORITY\s+SUBJECT\s+ACTION\s+PERMISSION\s+QOS\s+RETAIN\s+TOPIC$/m);
  assert.match(table.stdout, /group:sensors\s+publish\s+allow\s+0,1\s+false\s+devices\/\$\{device\}\/#$/m);

  const removed = await runJson(verifier, ['acl', 'remove', String(everyone.json.rule.id)]);
  assert.equal(removed.code, EXIT.OK, removed.stderr);
  assert.equal((await runCli(verifier, ['acl', 'remove', String(everyone.json.rule.id)])).code, EXIT.NOT_FOUND);
});

test('acl add --priority -1: a negative number after its flag is the value, not an option', async (t) => {
  const verifier = await startTestVerifier(t);
  const spaced = await runJson(verifier, ['acl', 'add', '--all', '--action', 'all', '--topic', 'a/#', '--deny', '--priority', '-1']);
  assert.equal(spaced.code, EXIT.OK, spaced.stderr);
  assert.equal(spaced.json.rule.priority, -1);
  // Only numbers are joined: a dashed word after a string flag is still refused as ambiguous.
  const word = await runCli(verifier, ['acl', 'add', '--all', '--action', 'all', '--topic', '-x', '--deny']);
  assert.equal(word.code, EXIT.USAGE);
  assert.match(word.stderr, /--topic' argument is ambiguous/);
});

test('acl add with an invalid topic filter exits 7 naming the topic field', async (t) => {
  const verifier = await startTestVerifier(t);
  const bad = await runJson(verifier, ['acl', 'add', '--all', '--action', 'subscribe', '--topic', 'a/#/b', '--allow']);
  assert.equal(bad.code, EXIT.REJECTED);
  assert.deepEqual(bad.json.error.fields.map((f: { path: string }) => f.path), ['body.topic']);
  const badQos = await runCli(verifier, ['acl', 'add', '--all', '--action', 'publish', '--topic', 'a', '--qos', '3', '--allow']);
  assert.equal(badQos.code, EXIT.USAGE);
  assert.match(badQos.stderr, /--qos/);
});

test('group add with an external issuer, list and remove; a duplicate group exits 4', async (t) => {
  const verifier = await startTestVerifier(t);
  const added = await runJson(verifier, ['group', 'add', 'partners', '--issuer', 'https://idp.example', '--jwks-url', 'https://idp.example/jwks.json', '--audience', 'mqtt', '--alg', 'ES256,EdDSA']);
  assert.equal(added.code, EXIT.OK, added.stderr);
  assert.deepEqual(added.json.group.externalIssuer, { issuer: 'https://idp.example', jwksUrl: 'https://idp.example/jwks.json', audience: 'mqtt', algorithms: ['ES256', 'EdDSA'] });
  assert.equal((await runCli(verifier, ['group', 'add', 'partners'])).code, EXIT.CONFLICT);
  assert.equal((await runCli(verifier, ['group', 'add', 'half', '--issuer', 'x'])).code, EXIT.USAGE);

  const table = await runCli(verifier, ['group', 'list']);
  assert.match(table.stdout, /^NAME\s+ISSUER\s+JWKS URL\s+ALGORITHMS\s+DESCRIPTION\npartners\s+https:\/\/idp\.example\s/);
  assert.equal((await runJson(verifier, ['group', 'remove', 'partners'])).code, EXIT.OK);
  assert.deepEqual((await runJson(verifier, ['group', 'list'])).json, { items: [] });
});

test('keys rotate adds an active key, keys retire retires the old one, keys list shows both', async (t) => {
  const verifier = await startTestVerifier(t);
  // The first token makes sure a signing key exists, whatever the store does at start.
  await runCli(verifier, ['device', 'add', 'k-1']);
  await runCli(verifier, ['token', 'issue', 'k-1']);
  const before = await runJson(verifier, ['keys', 'list']);
  const old = before.json.items.find((k: { status: string }) => k.status === 'active');
  assert.ok(old, 'an active key before rotation');

  const rotated = await runJson(verifier, ['keys', 'rotate', '--alg', 'ES256']);
  assert.equal(rotated.code, EXIT.OK, rotated.stderr);
  assert.equal(rotated.json.key.alg, 'ES256');
  assert.equal(rotated.json.key.status, 'active');

  // After "--": the key id is base64url and may start with '-'.
  const retired = await runJson(verifier, ['keys', 'retire', '--', old.kid]);
  assert.equal(retired.code, EXIT.OK, retired.stderr);
  assert.equal(retired.json.key.status, 'retired');
  const table = await runCli(verifier, ['keys', 'list']);
  assert.match(table.stdout, /^KID\s+ALG\s+STATUS\s+CREATED\s+RETIRED$/m);
  assert.match(table.stdout, /\sES256\s+active\s/);
  assert.equal((await runCli(verifier, ['keys', 'rotate', '--alg', 'HS256'])).code, EXIT.USAGE);
});
