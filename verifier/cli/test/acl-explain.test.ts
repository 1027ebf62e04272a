import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXIT } from '../_exit-codes.js';
import { runCli, runJson } from './run-cli.js';
import { startTestVerifier } from '../../test/test-verifier.js';

test('acl explain prints the deciding rule marked, the uncovered part of a filter, and --json the explanation', async (t) => {
  const verifier = await startTestVerifier(t);
  assert.equal((await runCli(verifier, ['device', 'add', 'dash'])).code, EXIT.OK);
  const rule = await runJson(verifier, ['acl', 'add', '--device', 'dash', '--action', 'subscribe', '--topic', 'devices/+/temp', '--allow']);
  const id = rule.json.rule.id;

  const human = await runCli(verifier, ['acl', 'explain', '--device', 'dash', '--action', 'subscribe', '--topic', 'devices/#']);
  assert.equal(human.code, EXIT.OK, human.stderr);
  assert.match(human.stdout, /^DENY \(acl_denied\): no rule matched: ARRA_ACL_NO_MATCH \(deny\)$/m);
  assert.match(human.stdout, new RegExp(`rule ${id} allows only devices/\\+/temp of this filter$`, 'm'));
  assert.match(human.stdout, /^not covered:\n {2}devices \(ARRA_ACL_NO_MATCH\), e\.g\. devices$/m);
  assert.match(human.stdout, /^ {2}devices\/\+\/\+\/# except devices\/\+\/temp\/# \(ARRA_ACL_NO_MATCH\), e\.g\. devices\/x\/x$/m);

  const allowed = await runCli(verifier, ['acl', 'explain', '--device', 'dash', '--action', 'subscribe', '--topic', 'devices/a/temp']);
  assert.match(allowed.stdout, /^ALLOW: rule \d+ allowed$/m);
  assert.match(allowed.stdout, new RegExp(`^=>\\s+${id}\\s+0\\s+device:dash\\s+subscribe\\s+allow\\s+devices/\\+/temp`, 'm'));

  const json = await runJson(verifier, ['acl', 'explain', '--device', 'dash', '--action', 'subscribe', '--topic', 'devices/a/temp']);
  assert.equal(json.json.decidingRule, id);
  assert.equal(json.json.allow, true);
});

test('acl explain without a subject or with a bad action is a usage error', async (t) => {
  const verifier = await startTestVerifier(t);
  const none = await runCli(verifier, ['acl', 'explain', '--action', 'publish', '--topic', 'a']);
  assert.equal(none.code, EXIT.USAGE);
  assert.match(none.stderr, /--device ID and --anonymous/);
  const bad = await runCli(verifier, ['acl', 'explain', '--device', 'd', '--action', 'read', '--topic', 'a']);
  assert.equal(bad.code, EXIT.USAGE);
});
