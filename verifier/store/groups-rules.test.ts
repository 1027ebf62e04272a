import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ValidationError } from './errors.js';
import { openTestStore } from './test/helpers.js';

const issuer = { issuer: 'https://idp.example', jwksUrl: 'https://idp.example/jwks', algorithms: ['ES256' as const] };

test('a group with an external issuer is found by that issuer', async (t) => {
  const store = await openTestStore(t);
  const group = store.createGroup({ name: 'fleet', description: 'trucks', externalIssuer: issuer });
  assert.deepEqual(group.externalIssuer, { ...issuer, audience: null });
  assert.deepEqual(store.getGroupsByIssuer('https://idp.example'), [
    { name: 'fleet', externalIssuer: { ...issuer, audience: null } },
  ]);
  assert.deepEqual(store.getGroup('fleet'), { name: 'fleet', externalIssuer: { ...issuer, audience: null } });
  assert.throws(() => store.createGroup({ name: 'fleet' }), { code: 'conflict' });
});

test('a group patch changes only what it names and can drop the issuer', async (t) => {
  const store = await openTestStore(t);
  store.createGroup({ name: 'fleet', description: 'trucks', externalIssuer: issuer });
  const patched = store.patchGroup('fleet', { externalIssuer: null });
  assert.equal(patched.description, 'trucks');
  assert.equal(patched.externalIssuer, null);
  assert.deepEqual(store.getGroupsByIssuer('https://idp.example'), []);
  assert.throws(() => store.patchGroup('nope', {}), { code: 'not_found' });
  assert.throws(() => store.getGroupView('nope'), { code: 'not_found' });
});

test('deleting a group removes its memberships and rules', async (t) => {
  const store = await openTestStore(t);
  store.createDevice({ id: 'dev-1', groups: ['g', 'h'] });
  store.createRule({ subject: { kind: 'group', name: 'g' }, action: 'all', topic: '#', permission: 'allow' });
  store.deleteGroup('g');
  assert.deepEqual(store.getDevice('dev-1')?.groups, ['h']);
  assert.deepEqual(store.listRules(), []);
  assert.throws(() => store.deleteGroup('g'), { code: 'not_found' });
});

test('rulesFor a device returns its own, its groups\' and everyone\'s rules by priority then id', async (t) => {
  const store = await openTestStore(t);
  store.createDevice({ id: 'dev-1', groups: ['g'] });
  store.createDevice({ id: 'dev-2', groups: ['other'] });
  const rule = (subject: Parameters<typeof store.createRule>[0]['subject'], priority: number, topic: string) =>
    store.createRule({ subject, action: 'publish', topic, permission: 'allow', priority }).id;
  const all = rule({ kind: 'all' }, 5, 'all/${device}');
  const own = rule({ kind: 'device', id: 'dev-1' }, 5, 'own/#');
  const group = rule({ kind: 'group', name: 'g' }, 1, 'group/+');
  rule({ kind: 'device', id: 'dev-2' }, 0, 'not-mine');
  rule({ kind: 'group', name: 'other' }, 0, 'not-mine');
  const anon = rule({ kind: 'anonymous' }, 0, 'public/#');
  const dev1 = store.getDevice('dev-1')!;
  assert.deepEqual(store.rulesFor(dev1).map((r) => r.id), [group, all, own]);
  assert.deepEqual(store.rulesFor(null).map((r) => r.id), [anon]);
  const [first] = store.rulesFor(dev1);
  assert.deepEqual(first, {
    id: group, subject: { kind: 'group', name: 'g' }, action: 'publish', topic: 'group/+', eq: false,
    qos: null, retain: null, permission: 'allow', priority: 1,
  });
  // The record's groups decide (an externally issued identity may exist only in the record).
  assert.deepEqual(store.rulesFor({ ...dev1, id: 'ext', groups: ['other'] }).map((r) => r.topic), ['not-mine', 'all/${device}']);
});

test('rule topics must be filters with placeholders only as whole levels', async (t) => {
  const store = await openTestStore(t);
  const base = { subject: { kind: 'all' as const }, action: 'publish' as const, permission: 'allow' as const };
  for (const topic of ['a/#/b', 'a/b+', 'x${device}/y', 'a/${nope}', '']) {
    assert.throws(() => store.createRule({ ...base, topic }), (err: ValidationError) => err.code === 'validation' && err.fields[0]?.path === 'topic', topic);
  }
  const eq = store.createRule({ ...base, topic: 'lit/+/x', eq: true, qos: [1, 0], retain: false });
  assert.deepEqual([eq.eq, eq.qos, eq.retain], [true, [0, 1], false]);
  assert.throws(() => store.createRule({ ...base, subject: { kind: 'device', id: 'ghost' }, topic: 'a' }), { code: 'not_found' });
});

test('a rule patch keeps the fields it does not name; list filters by subject', async (t) => {
  const store = await openTestStore(t);
  store.createDevice({ id: 'dev-1' });
  const r = store.createRule({ subject: { kind: 'device', id: 'dev-1' }, action: 'subscribe', topic: 'a/#', qos: [0], permission: 'deny', priority: 3 });
  const patched = store.patchRule(r.id, { priority: 9 });
  assert.deepEqual({ ...patched, createdAt: 0 }, { ...r, priority: 9, createdAt: 0 });
  store.createRule({ subject: { kind: 'group', name: 'g' }, action: 'all', topic: '#', permission: 'allow' });
  assert.deepEqual(store.listRules({ subject: 'device:dev-1' }).map((x) => x.id), [r.id]);
  assert.equal(store.listRules({ subject: 'group:g' }).length, 1);
  assert.equal(store.listRules({ subject: 'all' }).length, 0);
  assert.equal(store.listRules().length, 2);
  assert.throws(() => store.listRules({ subject: 'device:' }), { code: 'validation' });
  assert.throws(() => store.patchRule(r.id, { topic: 'a/#/b' }), { code: 'validation' });
  assert.equal(store.getRule(r.id).topic, 'a/#');
  store.deleteRule(r.id);
  assert.throws(() => store.getRule(r.id), { code: 'not_found' });
  assert.throws(() => store.deleteRule(r.id), { code: 'not_found' });
});
