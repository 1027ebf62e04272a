import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { AuthenticateDecision } from '../../../schemas/index.js';
import { issueDeviceToken } from '../issue-token.js';
import { hashPassword } from '../password.js';
import type { DeciderConfig } from '../types.js';
import { AUDIENCE, ISSUER, TEST_CALLER, admit, createHarness } from './helpers.js';

function reasonOf(decision: AuthenticateDecision): string {
  return decision.allow ? 'allow' : decision.reason;
}

/** dev-1 with a recorded token and a password, each accepted once in full. */
async function reconnecting(t: TestContext, config: Partial<DeciderConfig> = {}) {
  const h = await createHarness(t, { config });
  h.registry.addDevice('dev-1');
  h.registry.addDevice('dev-2');
  const issued = await issueDeviceToken(h.keys, h.clock, { deviceId: 'dev-1', issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 600 });
  h.registry.tokens.set(issued.jti, { kind: 'jwt', id: 'tok-1', jti: issued.jti, deviceId: 'dev-1', notAfter: null, revoked: false });
  h.registry.passwords.push({ kind: 'password', id: 'pw-1', deviceId: 'dev-1', hash: await hashPassword('pw-secret-1'), notAfter: null, revoked: false });
  const jwt = () => h.decider.authenticate({ clientId: 'dev-1', username: 'dev-1', password: issued.token });
  const password = () => h.decider.authenticate({ clientId: 'dev-1', username: 'dev-1', password: 'pw-secret-1' });
  assert.equal(reasonOf(await jwt()), 'allow');
  assert.equal(reasonOf(await password()), 'allow');
  /** Registry reads made by `login`. */
  const readsOf = async (login: () => Promise<AuthenticateDecision>) => {
    const before = h.registry.reads;
    assert.equal(reasonOf(await login()), 'allow');
    return h.registry.reads - before;
  };
  return { h, jti: issued.jti, jwt, password, readsOf };
}

test('a reconnect reads the registry again only after a change names its device, or all', async (t) => {
  const { h, jwt, password, readsOf } = await reconnecting(t);
  assert.deepEqual([await readsOf(jwt), await readsOf(password)], [0, 0]);
  h.registry.emit({ kind: 'device', deviceId: 'dev-2' });
  assert.deepEqual([await readsOf(jwt), await readsOf(password)], [0, 0], 'another device changed');
  h.registry.emit({ kind: 'device', deviceId: 'dev-1' });
  assert.ok((await readsOf(jwt)) >= 2, 'token record and device read again');
  assert.ok((await readsOf(password)) >= 1, 'password credentials read again');
  h.registry.emit({ kind: 'all' });
  assert.ok((await readsOf(jwt)) >= 2);
});

test('with ARRA_CACHE_SIZE=0 every reconnect reads the registry', async (t) => {
  const { jwt, password, readsOf } = await reconnecting(t, { cacheSize: 0 });
  for (let i = 0; i < 2; i++) {
    assert.ok((await readsOf(jwt)) >= 2);
    assert.ok((await readsOf(password)) >= 1);
  }
});

test('records rewritten by the store apply to the next reconnect: revoked token, revoked password, disabled device', async (t) => {
  const { h, jti, jwt, password } = await reconnecting(t);
  // The store returns new records after a write, and announces the device.
  h.registry.tokens.set(jti, { ...h.registry.tokens.get(jti)!, revoked: true });
  h.registry.emit({ kind: 'device', deviceId: 'dev-1' });
  assert.deepEqual([reasonOf(await jwt()), reasonOf(await password())], ['revoked', 'allow']);

  h.registry.passwords = h.registry.passwords.map((p) => ({ ...p, revoked: true }));
  h.registry.emit({ kind: 'device', deviceId: 'dev-1' });
  assert.equal(reasonOf(await password()), 'revoked');

  h.registry.addDevice('dev-1', { enabled: false });
  h.registry.passwords = h.registry.passwords.map((p) => ({ ...p, revoked: false }));
  h.registry.emit({ kind: 'device', deviceId: 'dev-1' });
  assert.equal(reasonOf(await password()), 'disabled');
  h.registry.devices.delete('dev-1');
  h.registry.emit({ kind: 'device', deviceId: 'dev-1' });
  assert.equal(reasonOf(await password()), 'unknown_device');
});

test('the ACL a reconnect carries follows rule changes of the device, of everyone and of its groups', async (t) => {
  const { h, jwt } = await reconnecting(t);
  const topics = async () => {
    const decision = await jwt();
    assert.ok(decision.allow);
    return decision.acl.rules.map((r) => r.topic);
  };
  assert.deepEqual(await topics(), []);
  h.registry.addRule({ subject: { kind: 'device', id: 'dev-1' }, topic: 'own/${clientid}' });
  assert.deepEqual(await topics(), ['own/dev-1']);
  h.registry.addRule({ subject: { kind: 'all' }, topic: 'everyone/#', priority: 200 });
  assert.deepEqual(await topics(), ['own/dev-1', 'everyone/#']);
  h.registry.addRule({ subject: { kind: 'group', name: 'fleet' }, topic: 'fleet/#', priority: 300 });
  h.registry.addDevice('dev-1', { groups: ['fleet'] });
  h.registry.emit({ kind: 'device', deviceId: 'dev-1' });
  assert.deepEqual(await topics(), ['own/dev-1', 'everyone/#', 'fleet/#']);
});

test('a client re-admitted as the same device stays on record: a change to that device still re-checks it', async (t) => {
  const h = await createHarness(t);
  h.registry.addDevice('dev-1');
  h.registry.addRule({ topic: 'x' });
  for (let i = 0; i < 2; i++) assert.equal((await admit(h, 'dev-1', 'dev-1')).allow, true);
  const ask = () => h.decider.authorize({ clientId: 'dev-1', action: 'publish', topic: 'x' }, TEST_CALLER);
  assert.equal(ask().allow, true);
  h.registry.certificates = h.registry.certificates.map((c) => ({ ...c, revoked: true }));
  h.registry.emit({ kind: 'device', deviceId: 'dev-1' });
  assert.deepEqual(ask(), { allow: false, reason: 'not_authenticated', message: 'the credential this client authenticated with is gone, revoked or expired' });
  assert.equal(h.decider.stats().admissions, 0);
});

test('clients of one identity share its compiled ACL, unless a rule names the client id or username', async (t) => {
  const h = await createHarness(t, { config: { allowAnonymous: true } });
  h.registry.addRule({ subject: { kind: 'anonymous' }, topic: 'everyone/#' });
  const aclOf = async (clientId: string) => {
    const decision = await h.decider.authenticate({ clientId });
    assert.ok(decision.allow);
    return decision.acl;
  };
  const [first, second] = [await aclOf('anon-1'), await aclOf('anon-2')];
  assert.equal(first, second, 'one compiled ACL for every anonymous client id');
  assert.deepEqual(first.rules.map((r) => r.topic), ['everyone/#']);

  h.registry.addRule({ subject: { kind: 'anonymous' }, topic: 'own/${clientid}/#' });
  const [third, fourth] = [await aclOf('anon-3'), await aclOf('anon-4')];
  assert.notEqual(third, fourth);
  assert.deepEqual(third.rules.map((r) => r.topic), ['everyone/#', 'own/anon-3/#']);
  assert.deepEqual(fourth.rules.map((r) => r.topic), ['everyone/#', 'own/anon-4/#']);
  assert.deepEqual((await aclOf('anon-1')).rules.map((r) => r.topic), ['everyone/#', 'own/anon-1/#'], 'the shared one went with the change');
});
