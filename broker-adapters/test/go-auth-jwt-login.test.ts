/**
 * go-auth's JWT backend carries the MQTT username as the bearer token and never sends the password.
 * The verifier must read it that way: a device that logs in with its device id as username (not a
 * token) is refused for presenting no token, not logged as "password without username".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { call } from './http.js';
import { startTestVerifier } from '../../verifier/test/test-verifier.js';
import { REPLAY_ENV } from './fixtures.js';
import { DeviceCreate } from '../../schemas/admin.js';

test('a JWT-backend login whose username is not a token is refused as no credential, not as a password without username', async (t) => {
  const v = await startTestVerifier(t, { env: REPLAY_ENV, provision: async (admin) => void (await admin.createDevice(DeviceCreate.parse({ id: 'dev-1' }))) });
  const reply = await call(v.port, 'POST', '/go-auth/jwt/json/user', { body: 'null', headers: { authorization: 'Bearer dev-1', 'content-type': 'application/json' } });
  assert.equal(reply.status, 403);
  const denied = v.logs().filter((line) => line.msg === 'authenticate denied');
  assert.equal(denied.length, 1);
  assert.equal(denied[0]!.reason, 'no_credentials');
  assert.doesNotMatch(JSON.stringify(v.logs()), /password without username/);
});

test('a JWT-backend login with a verifier-issued token in the username is let in', async (t) => {
  const v = await startTestVerifier(t, { env: REPLAY_ENV, provision: async (admin) => void (await admin.createDevice(DeviceCreate.parse({ id: 'dev-1' }))) });
  const token = (await v.issueToken('dev-1')).token;
  const reply = await call(v.port, 'POST', '/go-auth/jwt/json/user', { body: 'null', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
  assert.equal(reply.status, 200, reply.body);
});
