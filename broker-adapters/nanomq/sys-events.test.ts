/**
 * NanoMQ's own `$SYS/brokers/client_status/<clientid>` events arrive as publishes with the client's
 * credentials: they follow the ACL like any publish, so they are denied until a rule grants them, and
 * such a rule lets a device announce only its own client id.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { call } from '../test/http.js';
import { LONG_PASSWORD } from '../test/fixtures.js';
import { startVerifier } from '../test/verifier.js';

const status = (clientid: string, topicId = clientid) =>
  `clientid=${clientid}&username=dev-7&access=2&topic=${encodeURIComponent(`$SYS/brokers/client_status/${topicId}`)}`;

test('status events are denied by default and allowed only for the own client id once granted', async (t) => {
  const verifier = await startVerifier(t, {
    provision: async (store) => {
      store.createDevice({ id: 'dev-7', requireClientIdMatch: false });
      await store.addCredential('dev-7', { kind: 'password', secret: LONG_PASSWORD });
      store.createRule({ subject: { kind: 'device', id: 'dev-7' }, permission: 'allow', action: 'publish', topic: 'will/dev-7' });
    },
  });
  const acl = (body: string) => call(verifier.port, 'POST', '/nanomq/acl', { body });
  const login = `clientid=c7&username=dev-7&password=${encodeURIComponent(LONG_PASSWORD)}`;
  assert.equal((await call(verifier.port, 'POST', '/nanomq/auth', { body: login })).status, 200);
  assert.equal((await acl(status('c7'))).status, 403);
  assert.equal((await acl('clientid=c7&username=dev-7&access=2&topic=will%2Fdev-7')).status, 200, 'a will publish is an ordinary publish');

  verifier.store.createRule({ subject: { kind: 'all' }, permission: 'allow', action: 'publish', topic: '$SYS/brokers/client_status/${clientid}' });
  assert.equal((await acl(status('c7'))).status, 200);
  assert.equal((await acl(status('c7', 'someone-else'))).status, 403);
});
