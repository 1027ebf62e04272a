import assert from 'node:assert/strict';
import { testEachStore } from '../../store/test/each-store.js';
import { openTestAdmin } from './helpers.js';
import { DeviceCreate, GroupCreate, RuleCreate } from '../../../schemas/admin.js';
import type { RuleValues } from '../../store/index.js';

const issuer = { issuer: 'https://idp.example', jwksUrl: 'https://idp.example/jwks', algorithms: ['ES256' as const] };

testEachStore('a group with an external issuer is found by that issuer', async (t) => {
  const { store, admin } = await openTestAdmin(t);
  const group = await admin.createGroup(GroupCreate.parse({ name: 'fleet', description: 'trucks', externalIssuer: issuer }));
  assert.deepEqual(group.externalIssuer, { ...issuer, audience: null });
  assert.deepEqual(store.getGroupsByIssuer('https://idp.example'), [
    { name: 'fleet', externalIssuer: { ...issuer, audience: null } },
  ]);
  assert.deepEqual(store.getGroup('fleet'), { name: 'fleet', externalIssuer: { ...issuer, audience: null } });
  await assert.rejects(admin.createGroup(GroupCreate.parse({ name: 'fleet' })), { code: 'ERR_CONFLICT' });
});

testEachStore('a group patch changes only what it names and can drop the issuer', async (t) => {
  const { store, admin } = await openTestAdmin(t);
  await admin.createGroup(GroupCreate.parse({ name: 'fleet', description: 'trucks', externalIssuer: issuer }));
  const patched = await admin.patchGroup('fleet', { externalIssuer: null });
  assert.equal(patched.description, 'trucks');
  assert.equal(patched.externalIssuer, null);
  assert.deepEqual(store.getGroupsByIssuer('https://idp.example'), []);
  await assert.rejects(admin.patchGroup('nope', {}), { code: 'ERR_NOT_FOUND' });
  await assert.rejects(admin.getGroupView('nope'), { code: 'ERR_NOT_FOUND' });
});

testEachStore('deleting a group removes its memberships and rules', async (t) => {
  const { store, admin } = await openTestAdmin(t);
  await admin.createDevice(DeviceCreate.parse({ id: 'dev-1', groups: ['g', 'h'] }));
  await admin.createRule(RuleCreate.parse({ subject: { kind: 'group', name: 'g' }, action: 'all', topic: '#', permission: 'allow' }));
  await admin.deleteGroup('g');
  assert.deepEqual(store.getDevice('dev-1')?.groups, ['h']);
  assert.deepEqual(await admin.listRules(), []);
  await assert.rejects(admin.deleteGroup('g'), { code: 'ERR_NOT_FOUND' });
});

testEachStore('rulesFor a device returns its own, its groups\' and everyone\'s rules by priority then id', async (t) => {
  const { store, admin } = await openTestAdmin(t);
  await admin.createDevice(DeviceCreate.parse({ id: 'dev-1', groups: ['g'] }));
  await admin.createDevice(DeviceCreate.parse({ id: 'dev-2', groups: ['other'] }));
  const rule = async (subject: RuleValues['subject'], priority: number, topic: string) =>
    (await admin.createRule(RuleCreate.parse({ subject, action: 'publish', topic, permission: 'allow', priority }))).id;
  const all = await rule({ kind: 'all' }, 5, 'all/${device}');
  const own = await rule({ kind: 'device', id: 'dev-1' }, 5, 'own/#');
  const group = await rule({ kind: 'group', name: 'g' }, 1, 'group/+');
  await rule({ kind: 'device', id: 'dev-2' }, 0, 'not-mine');
  await rule({ kind: 'group', name: 'other' }, 0, 'not-mine');
  const anon = await rule({ kind: 'anonymous' }, 0, 'public/#');
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

testEachStore('a rule keeps eq, sorted qos and retain; a device subject must exist', async (t) => {
  const { admin } = await openTestAdmin(t);
  const base = { subject: { kind: 'all' as const }, action: 'publish' as const, permission: 'allow' as const };
  const eq = await admin.createRule(RuleCreate.parse({ ...base, topic: 'lit/+/x', eq: true, qos: [1, 0], retain: false }));
  assert.deepEqual([eq.eq, eq.qos, eq.retain], [true, [0, 1], false]);
  await assert.rejects(admin.createRule(RuleCreate.parse({ ...base, subject: { kind: 'device', id: 'ghost' }, topic: 'a' })), { code: 'ERR_NOT_FOUND' });
});

testEachStore('a rule patch keeps the fields it does not name; list filters by subject', async (t) => {
  const { admin } = await openTestAdmin(t);
  await admin.createDevice(DeviceCreate.parse({ id: 'dev-1' }));
  const r = await admin.createRule(RuleCreate.parse({ subject: { kind: 'device', id: 'dev-1' }, action: 'subscribe', topic: 'a/#', qos: [0], permission: 'deny', priority: 3 }));
  const patched = await admin.patchRule(r.id, { priority: 9 });
  assert.deepEqual({ ...patched, createdAt: 0 }, { ...r, priority: 9, createdAt: 0 });
  await admin.createRule(RuleCreate.parse({ subject: { kind: 'group', name: 'g' }, action: 'all', topic: '#', permission: 'allow' }));
  assert.deepEqual((await admin.listRules({ subject: 'device:dev-1' })).map((x) => x.id), [r.id]);
  assert.equal((await admin.listRules({ subject: 'group:g' })).length, 1);
  assert.equal((await admin.listRules({ subject: 'all' })).length, 0);
  assert.equal((await admin.listRules()).length, 2);
  await assert.rejects(admin.listRules({ subject: 'device:' }), { code: 'ERR_VALIDATION' });
  await assert.rejects(admin.patchRule(r.id, { topic: 'a/#/b' }), { code: 'ERR_VALIDATION' });
  assert.equal((await admin.getRule(r.id)).topic, 'a/#');
  await admin.deleteRule(r.id);
  await assert.rejects(admin.getRule(r.id), { code: 'ERR_NOT_FOUND' });
  await assert.rejects(admin.deleteRule(r.id), { code: 'ERR_NOT_FOUND' });
});
