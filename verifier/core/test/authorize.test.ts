import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuthorizeDecision, AuthorizeRequest } from '../../../schemas/index.js';
import { admit, createHarness, TEST_CALLER, type Harness } from './helpers.js';

function outcome(decision: AuthorizeDecision): string {
  return decision.allow ? 'allow' : decision.reason;
}

/** An acl question from the test caller; client `dev-1` authenticated as dev-1 unless the test admitted it otherwise. */
function ask(h: Harness, request: Partial<AuthorizeRequest>, caller = TEST_CALLER): string {
  return outcome(h.decider.authorize({ clientId: 'dev-1', action: 'publish', topic: 'x', ...request }, caller));
}

async function harness(t: Parameters<typeof createHarness>[0], config: Parameters<typeof createHarness>[1] = {}) {
  const h = await createHarness(t, config);
  h.registry.addDevice('dev-1', { groups: ['sensors'] });
  h.registry.addDevice('dev-2');
  assert.equal((await admit(h, 'dev-1', 'dev-1')).allow, true);
  return h;
}

test('a subscription is allowed only when a rule covers the whole filter [MQTT-4.7.1-2]', async (t) => {
  const h = await harness(t);
  h.registry.addRule({ topic: 'sensors/+/temp', action: 'subscribe' });
  assert.equal(ask(h, { action: 'subscribe', topic: 'sensors/kitchen/temp' }), 'allow');
  assert.equal(ask(h, { action: 'subscribe', topic: 'sensors/+/temp' }), 'allow');
  assert.equal(ask(h, { action: 'subscribe', topic: 'sensors/#' }), 'acl_denied', 'sensors/# reaches topics the rule does not');
  assert.equal(ask(h, { action: 'publish', topic: 'sensors/kitchen/temp' }), 'acl_denied', 'a subscribe rule does not allow publish');
});

test('a shared subscription is judged by its filter [MQTT-4.8.2-1] [MQTT-4.8.2-2]', async (t) => {
  const h = await harness(t);
  h.registry.addRule({ topic: 'sensors/#', action: 'subscribe' });
  assert.equal(ask(h, { action: 'subscribe', topic: '$share/workers/sensors/+/temp' }), 'allow');
  assert.equal(ask(h, { action: 'subscribe', topic: '$share/workers/other/#' }), 'acl_denied');
  for (const topic of ['$share/workers', '$share//sensors/#', '$share/wo+rkers/sensors/#', '$share/workers/sensors/#/x']) {
    assert.equal(ask(h, { action: 'subscribe', topic }), 'invalid_request', topic);
  }
});

test('the first matching rule wins, in priority order', async (t) => {
  const h = await harness(t);
  h.registry.addRule({ topic: 'sensors/#', priority: 20 });
  h.registry.addRule({ topic: 'sensors/secret/#', permission: 'deny', priority: 10 });
  assert.equal(ask(h, { topic: 'sensors/secret/a' }), 'acl_denied');
  assert.equal(ask(h, { topic: 'sensors/open/a' }), 'allow');
  assert.equal(ask(h, { action: 'subscribe', topic: 'sensors/+/a' }), 'acl_denied', 'a deny that overlaps the filter applies');
});

test('eq rules compare text, so a literal wildcard filter can be granted alone', async (t) => {
  const h = await harness(t);
  h.registry.addRule({ topic: 'sensors/#', eq: true, action: 'subscribe' });
  assert.equal(ask(h, { action: 'subscribe', topic: 'sensors/#' }), 'allow');
  assert.equal(ask(h, { action: 'subscribe', topic: 'sensors/a' }), 'acl_denied');
});

test('qos and retain conditions narrow a rule', async (t) => {
  const h = await harness(t);
  h.registry.addRule({ topic: 'cmd/#', permission: 'deny', retain: true, action: 'publish', priority: 1 });
  h.registry.addRule({ topic: 'cmd/#', qos: [0, 1], priority: 2 });
  assert.equal(ask(h, { topic: 'cmd/a', qos: 1, retain: false }), 'allow');
  assert.equal(ask(h, { topic: 'cmd/a', qos: 2, retain: false }), 'acl_denied');
  assert.equal(ask(h, { topic: 'cmd/a', qos: 0, retain: true }), 'acl_denied');
  assert.equal(ask(h, { topic: 'cmd/a' }), 'acl_denied', 'unknown retain fails closed against the deny rule');
});

test('placeholders are filled per connection; a client id with a slash never widens them', async (t) => {
  const h = await harness(t);
  h.registry.devices.get('dev-1')!.requireClientIdMatch = false;
  for (const clientId of ['c-7', 'a/b']) assert.equal((await admit(h, clientId, 'dev-1')).allow, true);
  h.registry.addRule({ topic: 'clients/${clientid}/#' });
  h.registry.addRule({ topic: 'devices/${device}/#' });
  assert.equal(ask(h, { clientId: 'c-7', topic: 'clients/c-7/up' }), 'allow');
  assert.equal(ask(h, { clientId: 'c-7', topic: 'clients/c-8/up' }), 'acl_denied');
  assert.equal(ask(h, { clientId: 'a/b', topic: 'clients/a/b/up' }), 'acl_denied');
  assert.equal(ask(h, { clientId: 'a/b', topic: 'devices/dev-1/up' }), 'allow');
});

test('a client id or username never names the identity: the decision is for what this client authenticated as', async (t) => {
  const h = await harness(t);
  h.registry.devices.get('dev-1')!.requireClientIdMatch = false;
  h.registry.devices.get('dev-2')!.superuser = true;
  h.registry.addRule({ subject: { kind: 'device', id: 'dev-1' }, topic: 'one/#' });
  // dev-1 authenticates under dev-2's client id: it gets dev-1's rights, never dev-2's superuser.
  assert.equal((await admit(h, 'dev-2', 'dev-1')).allow, true);
  assert.equal(ask(h, { clientId: 'dev-2', topic: 'anything' }), 'acl_denied');
  assert.equal(ask(h, { clientId: 'dev-2', topic: 'one/a' }), 'allow');
  assert.equal(h.decider.isSuperuser({ clientId: 'dev-2' }, TEST_CALLER), false);
  // Claims that disagree with the record, and client ids nobody authenticated, get nothing.
  assert.equal(ask(h, { clientId: 'dev-2', username: 'dev-2', topic: 'one/a' }), 'not_authenticated');
  assert.equal(ask(h, { clientId: 'dev-2', deviceId: 'dev-2', topic: 'one/a' }), 'not_authenticated');
  assert.equal(ask(h, { clientId: 'nobody', topic: 'one/a' }), 'not_authenticated');
  assert.equal(ask(h, { clientId: 'dev-1', topic: 'one/a' }, 'another-broker 10.0.0.9'), 'not_authenticated', 'records are per caller');
  assert.equal(ask(h, { clientId: 'dev-1', deviceId: 'dev-1', topic: 'one/a' }), 'allow');
});

test('a trusted certificate subject on an acl question claims its CN, which the record must agree with', async (t) => {
  const h = await harness(t);
  h.registry.devices.get('dev-1')!.superuser = true;
  const question = (cn: string) => ({ clientId: 'dev-1', certSubject: `O=Acme, CN=${cn}`, action: 'publish' as const, topic: 'x' });
  const trusted = { trustCertSubject: true };
  assert.equal(outcome(h.decider.authorize(question('dev-1'), TEST_CALLER, trusted)), 'allow');
  assert.equal(outcome(h.decider.authorize(question('dev-2'), TEST_CALLER, trusted)), 'not_authenticated');
  assert.equal(outcome(h.decider.authorize(question('dev-2'), TEST_CALLER)), 'allow', 'an untrusted subject claims nothing');
  assert.equal(h.decider.isSuperuser({ clientId: 'dev-1', certSubject: 'CN=dev-2' }, TEST_CALLER, trusted), false);
  assert.equal(h.decider.isSuperuser({ clientId: 'dev-1', certSubject: 'CN=dev-2' }, TEST_CALLER), true);
});

test('a denied authentication leaves the record alone; an allowed one replaces it', async (t) => {
  const h = await harness(t);
  h.registry.devices.get('dev-1')!.requireClientIdMatch = false;
  h.registry.addRule({ subject: { kind: 'device', id: 'dev-2' }, topic: 'two/#' });
  const denied = await h.decider.authenticate({ clientId: 'dev-1', certFingerprint: 'f'.repeat(64) }, { admitFor: TEST_CALLER });
  assert.equal(denied.allow, false);
  assert.equal(ask(h, { topic: 'two/a' }), 'acl_denied', 'still dev-1');
  h.registry.devices.get('dev-2')!.requireClientIdMatch = false;
  assert.equal((await admit(h, 'dev-1', 'dev-2')).allow, true);
  assert.equal(ask(h, { topic: 'two/a' }), 'allow', 'now dev-2, which took the client id over');
});

test('a record ends with its credential: revoked, removed with its device, or expired', async (t) => {
  const h = await harness(t);
  h.registry.addRule({ topic: 'x' });
  assert.equal(ask(h, {}), 'allow');
  h.registry.certificates.find((c) => c.deviceId === 'dev-1')!.revoked = true;
  h.registry.emit({ kind: 'device', deviceId: 'dev-1' });
  assert.equal(ask(h, {}), 'not_authenticated', 'the revoked certificate admitted it');
  h.registry.certificates.find((c) => c.deviceId === 'dev-1')!.revoked = false;
  assert.equal(ask(h, {}), 'not_authenticated', 'the record is gone, not merely hidden');

  assert.equal((await admit(h, 'dev-1', 'dev-1')).allow, true);
  h.registry.devices.delete('dev-1');
  h.registry.certificates = h.registry.certificates.filter((c) => c.deviceId !== 'dev-1');
  h.registry.emit({ kind: 'device', deviceId: 'dev-1' });
  h.registry.addDevice('dev-1');
  h.registry.certificates.push({ kind: 'x509', id: 'new-cert', deviceId: 'dev-1', fingerprint: 'e'.repeat(64), subject: null, notAfter: null, revoked: false });
  h.registry.emit({ kind: 'device', deviceId: 'dev-1' });
  assert.equal(ask(h, {}), 'not_authenticated', 'a re-created device is a new identity');

  h.registry.certificates.push({ kind: 'x509', id: 'short', deviceId: 'dev-2', fingerprint: 'd'.repeat(64), subject: null, notAfter: h.clock.now() + 60_000, revoked: false });
  assert.equal((await h.decider.authenticate({ clientId: 'dev-2', certFingerprint: 'd'.repeat(64) }, { admitFor: TEST_CALLER })).allow, true);
  assert.equal(ask(h, { clientId: 'dev-2' }), 'allow');
  h.clock.advance(61);
  assert.equal(ask(h, { clientId: 'dev-2' }), 'not_authenticated', 'past the credential expiry');
});

test('superusers skip the ACL; disabled devices are denied; invalid topics are invalid requests', async (t) => {
  const h = await harness(t);
  h.registry.devices.get('dev-2')!.superuser = true;
  assert.equal((await admit(h, 'dev-2', 'dev-2', { username: 'dev-2' })).allow, true);
  assert.equal(ask(h, { clientId: 'dev-2', topic: 'anything' }), 'allow');
  assert.equal(h.decider.isSuperuser({ username: 'dev-2' }, TEST_CALLER), true, 'by username: a client of this caller authenticated with it');
  assert.equal(h.decider.isSuperuser({ username: 'dev-2' }, 'another-broker 10.0.0.9'), false);
  assert.equal(h.decider.isSuperuser({ username: 'dev-1' }, TEST_CALLER), false);
  assert.equal(h.decider.isSuperuser({ username: 'nobody' }, TEST_CALLER), false);
  assert.equal(ask(h, { topic: 'a/+' }), 'invalid_request', '[MQTT-3.3.2-2] no wildcards in a topic name');
  assert.equal(ask(h, { action: 'subscribe', topic: 'a/#/b' }), 'invalid_request', '[MQTT-4.7.1-2] # only last');
  assert.equal(ask(h, { clientId: 'a\u0000' }), 'invalid_request');
  h.registry.devices.get('dev-1')!.enabled = false;
  h.registry.emit({ kind: 'device', deviceId: 'dev-1' });
  assert.equal(ask(h, { topic: 'x' }), 'disabled');
});

test('anonymous clients get the anonymous ACL whatever their client id', async (t) => {
  const h = await harness(t, { config: { allowAnonymous: true } });
  h.registry.devices.get('dev-2')!.superuser = true;
  h.registry.addRule({ subject: { kind: 'anonymous' }, topic: 'public/#' });
  for (const clientId of ['guest', 'dev-2']) {
    assert.equal((await admit(h, clientId, null)).allow, true);
    assert.equal(ask(h, { clientId, topic: 'public/a' }), 'allow', clientId);
    assert.equal(ask(h, { clientId, topic: 'private/a' }), 'acl_denied', clientId);
    assert.equal(ask(h, { clientId, username: 'someone', topic: 'public/a' }), 'not_authenticated', clientId);
  }
  assert.equal(h.decider.isSuperuser({ clientId: 'dev-2' }, TEST_CALLER), false, 'an anonymous dev-2 is not the superuser dev-2');
});

test('a device change drops exactly that device from the cache; a rule change (all) clears it', async (t) => {
  const h = await harness(t);
  const allowTwo = h.registry.addRule({ subject: { kind: 'device', id: 'dev-2' }, topic: 'two/#' });
  assert.equal(ask(h, { topic: 'x' }), 'acl_denied');
  assert.equal((await admit(h, 'dev-2', 'dev-2')).allow, true);
  assert.equal(ask(h, { deviceId: 'dev-2', clientId: 'dev-2', topic: 'two/a' }), 'allow');
  const reads = h.registry.reads;
  assert.equal(ask(h, { topic: 'x' }), 'acl_denied');
  assert.equal(h.registry.reads, reads, 'served from cache');

  h.registry.rules.push({ ...allowTwo, id: 99, subject: { kind: 'device', id: 'dev-1' }, topic: 'x' });
  h.registry.emit({ kind: 'device', deviceId: 'dev-1' });
  assert.equal(ask(h, { topic: 'x' }), 'allow', 'dev-1 re-read at once');
  const before = h.registry.reads;
  assert.equal(ask(h, { deviceId: 'dev-2', clientId: 'dev-2', topic: 'two/a' }), 'allow');
  assert.equal(h.registry.reads, before, 'dev-2 stayed cached');

  h.registry.rules.splice(0, 1);
  h.registry.emit({ kind: 'all' });
  assert.equal(ask(h, { deviceId: 'dev-2', clientId: 'dev-2', topic: 'two/a' }), 'acl_denied');
  assert.ok(h.decider.stats().cache.hits >= 2);
});

test('the cache is bounded by cacheSize', async (t) => {
  const h = await harness(t, { config: { cacheSize: 3 } });
  h.registry.devices.get('dev-1')!.requireClientIdMatch = false;
  for (let i = 0; i < 10; i++) {
    await admit(h, `c-${i}`, 'dev-1');
    ask(h, { clientId: `c-${i}` });
  }
  assert.equal(h.decider.stats().cache.size, 3);
});

test('an identity evicted from the cache is read again, though its admission held it', async (t) => {
  const h = await harness(t, { config: { cacheSize: 1 } });
  const rule = h.registry.addRule({ subject: { kind: 'device', id: 'dev-1' }, topic: 'x' });
  assert.equal((await admit(h, 'dev-2', 'dev-2')).allow, true);
  assert.equal(ask(h, { topic: 'x' }), 'allow');
  // dev-2's question takes the only slot; the rule then goes while dev-1 is not cached, so no change drops it.
  assert.equal(ask(h, { deviceId: 'dev-2', clientId: 'dev-2', topic: 'x' }), 'acl_denied');
  h.registry.rules.splice(h.registry.rules.indexOf(rule), 1);
  assert.equal(ask(h, { topic: 'x' }), 'acl_denied', 'dev-1 was read again, not answered from the slot it held');
});

test('a registry that throws makes authorize reject with ERR_STORE_UNAVAILABLE', async (t) => {
  const h = await harness(t);
  h.registry.broken = true;
  assert.throws(() => h.decider.authorize({ clientId: 'dev-1', action: 'publish', topic: 'x' }, TEST_CALLER), { code: 'ERR_STORE_UNAVAILABLE' });
  assert.throws(() => h.decider.isSuperuser({ clientId: 'dev-1' }, TEST_CALLER), { code: 'ERR_STORE_UNAVAILABLE' });
});

test('a repeated authorize is answered from the cache without reading the registry', async (t) => {
  const h = await harness(t);
  for (let i = 0; i < 10; i++) h.registry.addRule({ topic: `sensors/${i}/+`, priority: i });
  const request: AuthorizeRequest = { deviceId: 'dev-1', clientId: 'dev-1', action: 'publish', topic: 'sensors/9/temp', qos: 1 };
  assert.equal(h.decider.authorize(request, TEST_CALLER).allow, true);
  // Speed is measured in `npm run bench:verifier`; here we prove the path: a broken registry is not touched.
  h.registry.broken = true;
  for (let i = 0; i < 100; i++) assert.equal(h.decider.authorize(request, TEST_CALLER).allow, true);
  assert.ok(h.decider.stats().cache.hits >= 100);
});

test('the record of who each client authenticated as is bounded: the least recently used goes first', async (t) => {
  const h = await harness(t, { config: { admissions: { maxEntries: 3, idleMs: 60_000 } } });
  h.registry.devices.get('dev-1')!.requireClientIdMatch = false;
  h.registry.addRule({ topic: 'x' });
  for (const clientId of ['c-1', 'c-2', 'c-3']) await admit(h, clientId, 'dev-1');
  assert.equal(ask(h, { clientId: 'c-1' }), 'allow', 'c-1 used: now the most recent');
  await admit(h, 'c-4', 'dev-1');
  assert.equal(h.decider.stats().admissions, 3);
  assert.equal(ask(h, { clientId: 'c-2' }), 'not_authenticated', 'the least recently used went');
  assert.equal(ask(h, { clientId: 'c-1' }), 'allow');
  h.clock.advance(61);
  assert.equal(ask(h, { clientId: 'c-1' }), 'not_authenticated', 'unused for longer than idleMs');
});
