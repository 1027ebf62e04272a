/**
 * go-auth's JWT backend hears of registry changes at once (issue 12): a revoked token, a disabled
 * device and a rule taken away are refused at the next request, not after the token cache's TTL
 * (10 s before the fix), and a device enabled again is let in at once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJwt } from 'jose';
import { call } from './http.js';
import { startTestVerifier } from '../../verifier/test/test-verifier.js';
import { REPLAY_ENV } from './fixtures.js';
import { DeviceCreate, RuleCreate } from '../../schemas/admin.js';

test('a revocation, a disable and a removed rule apply to the JWT backend\'s next request', async (t) => {
  const v = await startTestVerifier(t, {
    env: REPLAY_ENV,
    provision: async (admin) => {
      await admin.createDevice(DeviceCreate.parse({ id: 'bob' }));
    },
  });
  const ruleId = (await v.useCases.createRule(RuleCreate.parse({ subject: { kind: 'device', id: 'bob' }, permission: 'allow', action: 'all', topic: 'dev/#' }))).id;
  const token = (await v.issueToken('bob')).token;
  const acl = () =>
    call(v.port, 'POST', '/go-auth/jwt/json/acl', { body: { clientid: 'bob', acc: 2, topic: 'dev/1' }, headers: { authorization: `Bearer ${token}` } });
  assert.equal((await acl()).status, 200);

  await v.useCases.patchDevice('bob', { enabled: false, disabledReason: 'test' });
  assert.equal((await acl()).status, 403, 'disabled: refused at the next request');
  await v.useCases.patchDevice('bob', { enabled: true });
  assert.equal((await acl()).status, 200, 'enabled again: the cached deny is gone too');

  await v.useCases.deleteRule(ruleId);
  assert.equal((await acl()).status, 403, 'the rule is gone');
  await v.useCases.createRule(RuleCreate.parse({ subject: { kind: 'device', id: 'bob' }, permission: 'allow', action: 'all', topic: 'dev/#' }));
  assert.equal((await acl()).status, 200);

  await v.useCases.revokeToken(decodeJwt(token).jti!);
  assert.equal((await acl()).status, 403, 'revoked: refused at the next request');
});
