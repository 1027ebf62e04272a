/**
 * NanoMQ's own `$SYS/brokers/client_status/<clientid>` events arrive as publishes with the client's
 * identity on every connect and disconnect. For a client NanoMQ admitted they are allowed without
 * any rule and without a warning (a denial would log a WARN here and an ERROR in NanoMQ on every normal
 * connect); another client id's status topic is an ordinary publish, and a client that was never
 * admitted or is disabled gets nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { call } from './http.js';
import { LONG_PASSWORD, REPLAY_ENV } from './fixtures.js';
import { startTestVerifier } from '../../verifier/test/test-verifier.js';
import { CredentialCreate, DeviceCreate, RuleCreate } from '../../schemas/admin.js';

const status = (clientid: string, topicId = clientid) =>
  `clientid=${clientid}&username=dev-7&access=2&topic=${encodeURIComponent(`$SYS/brokers/client_status/${topicId}`)}`;

test('status events of an admitted client are allowed without a rule and without a warning; others follow the ACL', async (t) => {
  const verifier = await startTestVerifier(t, {
    env: REPLAY_ENV,
    provision: async (admin) => {
      await admin.createDevice(DeviceCreate.parse({ id: 'dev-7', requireClientIdMatch: false }));
      await admin.addCredential('dev-7', CredentialCreate.parse({ kind: 'password', secret: LONG_PASSWORD }));
      await admin.createRule(RuleCreate.parse({ subject: { kind: 'device', id: 'dev-7' }, permission: 'allow', action: 'publish', topic: 'will/dev-7' }));
    },
  });
  const acl = (body: string) => call(verifier.port, 'POST', '/nanomq/acl', { body });
  assert.equal((await acl(status('c7'))).status, 403, 'a client NanoMQ never admitted');
  const login = `clientid=c7&username=dev-7&password=${encodeURIComponent(LONG_PASSWORD)}`;
  assert.equal((await call(verifier.port, 'POST', '/nanomq/auth', { body: login })).status, 200);
  const warnsBefore = verifier.logs().filter((line) => Number(line.level) >= 40).length;
  assert.equal((await acl(status('c7'))).status, 200);
  assert.equal(verifier.logs().filter((line) => Number(line.level) >= 40).length, warnsBefore, 'a normal connect logged a warning');
  assert.equal((await acl(status('c7', 'someone-else'))).status, 403, "another client's status topic");
  assert.equal((await acl('clientid=c7&username=dev-7&access=2&topic=will%2Fdev-7')).status, 200, 'a will publish is an ordinary publish');

  await verifier.useCases.patchDevice('dev-7', { enabled: false });
  assert.equal((await acl(status('c7'))).status, 403, 'a disabled device');
});
