import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuthorizeDecision, AuthorizeRequest } from '../../schemas/index.js';
import { createHarness, type Harness } from './test/helpers.js';

function outcome(decision: AuthorizeDecision): string {
  return decision.allow ? 'allow' : decision.reason;
}

async function ask(h: Harness, request: Partial<AuthorizeRequest>): Promise<string> {
  return outcome(await h.decider.authorize({ clientId: 'dev-1', deviceId: 'dev-1', action: 'publish', topic: 'x', ...request }));
}

async function harness(t: Parameters<typeof createHarness>[0], config: Parameters<typeof createHarness>[1] = {}) {
  const h = await createHarness(t, config);
  h.registry.addDevice('dev-1', { groups: ['sensors'] });
  h.registry.addDevice('dev-2');
  return h;
}

test('a subscription is allowed only when a rule covers the whole filter [MQTT-4.7.1-2]', async (t) => {
  const h = await harness(t);
  h.registry.addRule({ topic: 'sensors/+/temp', action: 'subscribe' });
  assert.equal(await ask(h, { action: 'subscribe', topic: 'sensors/kitchen/temp' }), 'allow');
  assert.equal(await ask(h, { action: 'subscribe', topic: 'sensors/+/temp' }), 'allow');
  assert.equal(await ask(h, { action: 'subscribe', topic: 'sensors/#' }), 'acl_denied', 'sensors/# reaches topics the rule does not');
  assert.equal(await ask(h, { action: 'publish', topic: 'sensors/kitchen/temp' }), 'acl_denied', 'a subscribe rule does not allow publish');
});

test('a shared subscription is judged by its filter [MQTT-4.8.2-1] [MQTT-4.8.2-2]', async (t) => {
  const h = await harness(t);
  h.registry.addRule({ topic: 'sensors/#', action: 'subscribe' });
  assert.equal(await ask(h, { action: 'subscribe', topic: '$share/workers/sensors/+/temp' }), 'allow');
  assert.equal(await ask(h, { action: 'subscribe', topic: '$share/workers/other/#' }), 'acl_denied');
  for (const topic of ['$share/workers', '$share//sensors/#', '$share/wo+rkers/sensors/#', '$share/workers/sensors/#/x']) {
    assert.equal(await ask(h, { action: 'subscribe', topic }), 'invalid_request', topic);
  }
});

test('the first matching rule wins, in priority order', async (t) => {
  const h = await harness(t);
  h.registry.addRule({ topic: 'sensors/#', priority: 20 });
  h.registry.addRule({ topic: 'sensors/secret/#', permission: 'deny', priority: 10 });
  assert.equal(await ask(h, { topic: 'sensors/secret/a' }), 'acl_denied');
  assert.equal(await ask(h, { topic: 'sensors/open/a' }), 'allow');
  assert.equal(await ask(h, { action: 'subscribe', topic: 'sensors/+/a' }), 'acl_denied', 'a deny that overlaps the filter applies');
});

test('eq rules compare text, so a literal wildcard filter can be granted alone', async (t) => {
  const h = await harness(t);
  h.registry.addRule({ topic: 'sensors/#', eq: true, action: 'subscribe' });
  assert.equal(await ask(h, { action: 'subscribe', topic: 'sensors/#' }), 'allow');
  assert.equal(await ask(h, { action: 'subscribe', topic: 'sensors/a' }), 'acl_denied');
});

test('qos and retain conditions narrow a rule', async (t) => {
  const h = await harness(t);
  h.registry.addRule({ topic: 'cmd/#', permission: 'deny', retain: true, action: 'publish', priority: 1 });
  h.registry.addRule({ topic: 'cmd/#', qos: [0, 1], priority: 2 });
  assert.equal(await ask(h, { topic: 'cmd/a', qos: 1, retain: false }), 'allow');
  assert.equal(await ask(h, { topic: 'cmd/a', qos: 2, retain: false }), 'acl_denied');
  assert.equal(await ask(h, { topic: 'cmd/a', qos: 0, retain: true }), 'acl_denied');
  assert.equal(await ask(h, { topic: 'cmd/a' }), 'acl_denied', 'unknown retain fails closed against the deny rule');
});

test('placeholders are filled per connection; a client id with a slash never widens them', async (t) => {
  const h = await harness(t);
  h.registry.devices.get('dev-1')!.requireClientIdMatch = false;
  h.registry.addRule({ topic: 'clients/${clientid}/#' });
  h.registry.addRule({ topic: 'devices/${device}/#' });
  assert.equal(await ask(h, { clientId: 'c-7', topic: 'clients/c-7/up' }), 'allow');
  assert.equal(await ask(h, { clientId: 'c-7', topic: 'clients/c-8/up' }), 'acl_denied');
  assert.equal(await ask(h, { clientId: 'a/b', topic: 'clients/a/b/up' }), 'acl_denied');
  assert.equal(await ask(h, { clientId: 'a/b', topic: 'devices/dev-1/up' }), 'allow');
});

test('identity comes from deviceId, else a device named by the username, else by the client id', async (t) => {
  const h = await harness(t);
  h.registry.addRule({ subject: { kind: 'device', id: 'dev-2' }, topic: 'two/#' });
  assert.equal(await ask(h, { deviceId: undefined, clientId: 'whatever', username: 'dev-2', topic: 'two/a' }), 'allow');
  assert.equal(await ask(h, { deviceId: undefined, clientId: 'dev-2', topic: 'two/a' }), 'allow');
  assert.equal(await ask(h, { deviceId: undefined, clientId: 'nobody', topic: 'two/a' }), 'unknown_device');
  assert.equal(await ask(h, { deviceId: 'dev-9', topic: 'two/a' }), 'unknown_device');
});

test('superusers skip the ACL; disabled devices are denied; invalid topics are invalid requests', async (t) => {
  const h = await harness(t);
  h.registry.devices.get('dev-2')!.superuser = true;
  assert.equal(await ask(h, { deviceId: 'dev-2', topic: 'anything' }), 'allow');
  assert.equal(await h.decider.isSuperuser({ username: 'dev-2' }), true);
  assert.equal(await h.decider.isSuperuser({ username: 'dev-1' }), false);
  assert.equal(await h.decider.isSuperuser({ username: 'nobody' }), false);
  assert.equal(await ask(h, { topic: 'a/+' }), 'invalid_request', '[MQTT-3.3.2-2] no wildcards in a topic name');
  assert.equal(await ask(h, { action: 'subscribe', topic: 'a/#/b' }), 'invalid_request', '[MQTT-4.7.1-2] # only last');
  assert.equal(await ask(h, { clientId: 'a\u0000' }), 'invalid_request');
  h.registry.devices.get('dev-1')!.enabled = false;
  h.registry.emit({ kind: 'device', deviceId: 'dev-1' });
  assert.equal(await ask(h, { topic: 'x' }), 'disabled');
});

test('anonymous clients get the anonymous ACL when allowed and no username is given', async (t) => {
  const h = await harness(t, { config: { allowAnonymous: true } });
  h.registry.addRule({ subject: { kind: 'anonymous' }, topic: 'public/#' });
  assert.equal(await ask(h, { deviceId: undefined, clientId: 'guest', topic: 'public/a' }), 'allow');
  assert.equal(await ask(h, { deviceId: undefined, clientId: 'guest', topic: 'private/a' }), 'acl_denied');
  assert.equal(await ask(h, { deviceId: undefined, clientId: 'guest', username: 'someone', topic: 'public/a' }), 'unknown_device');
});

test('a device change drops exactly that device from the cache; a rule change (all) clears it', async (t) => {
  const h = await harness(t);
  const allowTwo = h.registry.addRule({ subject: { kind: 'device', id: 'dev-2' }, topic: 'two/#' });
  assert.equal(await ask(h, { topic: 'x' }), 'acl_denied');
  assert.equal(await ask(h, { deviceId: 'dev-2', clientId: 'dev-2', topic: 'two/a' }), 'allow');
  const reads = h.registry.reads;
  assert.equal(await ask(h, { topic: 'x' }), 'acl_denied');
  assert.equal(h.registry.reads, reads, 'served from cache');

  h.registry.rules.push({ ...allowTwo, id: 99, subject: { kind: 'device', id: 'dev-1' }, topic: 'x' });
  h.registry.emit({ kind: 'device', deviceId: 'dev-1' });
  assert.equal(await ask(h, { topic: 'x' }), 'allow', 'dev-1 re-read at once');
  const before = h.registry.reads;
  assert.equal(await ask(h, { deviceId: 'dev-2', clientId: 'dev-2', topic: 'two/a' }), 'allow');
  assert.equal(h.registry.reads, before, 'dev-2 stayed cached');

  h.registry.rules.splice(0, 1);
  h.registry.emit({ kind: 'all' });
  assert.equal(await ask(h, { deviceId: 'dev-2', clientId: 'dev-2', topic: 'two/a' }), 'acl_denied');
  assert.ok(h.decider.stats().cache.hits >= 2);
});

test('a device created under a name that used to resolve to nothing is seen at once', async (t) => {
  const h = await harness(t);
  h.registry.addRule({ topic: 'x' });
  assert.equal(await ask(h, { deviceId: undefined, clientId: 'dev-3', topic: 'x' }), 'unknown_device');
  h.registry.addDevice('dev-3');
  h.registry.emit({ kind: 'device', deviceId: 'dev-3' });
  assert.equal(await ask(h, { deviceId: undefined, clientId: 'dev-3', topic: 'x' }), 'allow');
});

test('the cache is bounded by cacheSize', async (t) => {
  const h = await harness(t, { config: { cacheSize: 3 } });
  for (let i = 0; i < 10; i++) await ask(h, { deviceId: undefined, clientId: `c-${i}`, username: 'dev-1' });
  assert.equal(h.decider.stats().cache.size, 3);
});

test('a registry that throws makes authorize reject with ERR_STORE_UNAVAILABLE', async (t) => {
  const h = await harness(t);
  h.registry.broken = true;
  assert.throws(() => h.decider.authorize({ clientId: 'dev-1', action: 'publish', topic: 'x' }), { code: 'ERR_STORE_UNAVAILABLE' });
  assert.throws(() => h.decider.isSuperuser({ clientId: 'dev-1' }), { code: 'ERR_STORE_UNAVAILABLE' });
});

test('a repeated authorize is answered from the cache without reading the registry', async (t) => {
  const h = await harness(t);
  for (let i = 0; i < 10; i++) h.registry.addRule({ topic: `sensors/${i}/+`, priority: i });
  const request: AuthorizeRequest = { deviceId: 'dev-1', clientId: 'dev-1', action: 'publish', topic: 'sensors/9/temp', qos: 1 };
  assert.equal((await h.decider.authorize(request)).allow, true);
  // Speed is measured in `npm run bench:verifier`; here we prove the path: a broken registry is not touched.
  h.registry.broken = true;
  for (let i = 0; i < 100; i++) assert.equal((await h.decider.authorize(request)).allow, true);
  assert.ok(h.decider.stats().cache.hits >= 100);
});
