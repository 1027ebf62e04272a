import assert from 'node:assert/strict';
import { testEachStore } from '../../store/test/each-store.js';
import { openTestAdmin } from './helpers.js';
import { CredentialCreate, DeviceCreate, ImportBody, RuleCreate } from '../../../schemas/admin.js';

testEachStore('a created device reads back with its defaults, groups and no credentials', async (t) => {
  const { store, admin } = await openTestAdmin(t);
  const created = await admin.createDevice(DeviceCreate.parse({ id: 'dev-1', groups: ['sensors', 'eu'] }));
  assert.deepEqual(
    { ...created, createdAt: undefined, updatedAt: undefined },
    {
      id: 'dev-1',
      groups: ['eu', 'sensors'],
      superuser: false,
      requireClientIdMatch: true,
      enabled: true,
      disabledReason: null,
      attributes: {},
      createdAt: undefined,
      updatedAt: undefined,
    },
  );
  assert.deepEqual((await admin.getDeviceDetail('dev-1')).credentials, []);
  assert.deepEqual(store.getDevice('dev-1')?.groups, ['eu', 'sensors']);
  assert.deepEqual((await admin.listGroups()).map((g) => g.name), ['eu', 'sensors'], 'groups are created on first use');
});

testEachStore('creating a device whose id exists is a conflict', async (t) => {
  const { admin } = await openTestAdmin(t);
  await admin.createDevice(DeviceCreate.parse({ id: 'dev-1' }));
  await assert.rejects(admin.createDevice(DeviceCreate.parse({ id: 'dev-1' })), { code: 'ERR_CONFLICT' });
});

testEachStore('reading, patching or deleting an unknown device is not_found', async (t) => {
  const { store, admin } = await openTestAdmin(t);
  await assert.rejects(admin.getDeviceDetail('nope'), { code: 'ERR_NOT_FOUND' });
  await assert.rejects(admin.patchDevice('nope', { enabled: false }), { code: 'ERR_NOT_FOUND' });
  await assert.rejects(admin.deleteDevice('nope'), { code: 'ERR_NOT_FOUND' });
  assert.equal(store.getDevice('nope'), undefined);
});

testEachStore('a patch changes only the fields it names and replaces the group list', async (t) => {
  const { store, admin } = await openTestAdmin(t);
  await admin.createDevice(DeviceCreate.parse({ id: 'dev-1', groups: ['a'], attributes: { site: 'x' } }));
  const disabled = await admin.patchDevice('dev-1', { enabled: false, disabledReason: 'stolen', groups: ['b'] });
  assert.equal(disabled.enabled, false);
  assert.equal(disabled.disabledReason, 'stolen');
  assert.deepEqual(disabled.groups, ['b']);
  assert.deepEqual(disabled.attributes, { site: 'x' });
  const record = store.getDevice('dev-1');
  assert.equal(record?.enabled, false);
  assert.equal(record?.disabledReason, 'stolen');
  const enabled = await admin.patchDevice('dev-1', { enabled: true });
  assert.equal(enabled.disabledReason, null, 're-enabling clears the reason');
  assert.deepEqual(enabled.groups, ['b']);
});

testEachStore('deleting a device removes its credentials, tokens and device rules but not group rules', async (t) => {
  const { store, admin } = await openTestAdmin(t);
  await admin.createDevice(DeviceCreate.parse({ id: 'dev-1', groups: ['g'] }));
  const { credential } = await admin.addCredential('dev-1', CredentialCreate.parse({ kind: 'x509', fingerprint: 'ab'.repeat(32) }));
  await admin.recordToken('dev-1', { jti: 'j1', expiresAt: 2_000_000_000 });
  await admin.createRule(RuleCreate.parse({ subject: { kind: 'device', id: 'dev-1' }, action: 'publish', topic: 'a/#', permission: 'allow' }));
  const groupRule = await admin.createRule(RuleCreate.parse({ subject: { kind: 'group', name: 'g' }, action: 'publish', topic: 'b/#', permission: 'allow' }));
  await admin.deleteDevice('dev-1');
  assert.equal(store.getDevice('dev-1'), undefined);
  assert.equal(store.findCertificate(credential.fingerprint!), undefined);
  assert.equal(store.getToken('j1'), undefined);
  assert.deepEqual((await admin.listRules()).map((r) => r.id), [groupRule.id]);
  // The fingerprint is free again once its device is gone.
  await admin.createDevice(DeviceCreate.parse({ id: 'dev-2' }));
  await admin.addCredential('dev-2', CredentialCreate.parse({ kind: 'x509', fingerprint: 'ab'.repeat(32) }));
});

testEachStore('listing pages through devices by id with a cursor, a prefix and a group filter', async (t) => {
  const { admin } = await openTestAdmin(t);
  for (let i = 0; i < 25; i++) {
    await admin.createDevice(DeviceCreate.parse({ id: `dev-${String(i).padStart(2, '0')}`, groups: i % 2 ? ['odd'] : [] }));
  }
  await admin.createDevice(DeviceCreate.parse({ id: 'other' }));
  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await admin.listDevices({ limit: 10, cursor, prefix: 'dev-' });
    seen.push(...page.items.map((d) => d.id));
    cursor = page.nextCursor ?? undefined;
    pages++;
  } while (cursor);
  assert.equal(pages, 3);
  assert.equal(seen.length, 25);
  assert.deepEqual(seen, [...seen].sort());
  const odd = await admin.listDevices({ group: 'odd', limit: 100 });
  assert.equal(odd.items.length, 12);
  assert.equal(odd.nextCursor, null);
});

testEachStore('a device keeps its incarnation when changed, and one removed and created again gets a new one', async (t) => {
  const { store, admin } = await openTestAdmin(t);
  await admin.createDevice(DeviceCreate.parse({ id: 'dev-1' }));
  await admin.importDevices(ImportBody.parse({ devices: [{ id: 'dev-2' }] }));
  const first = store.getDevice('dev-1')!.incarnation;
  assert.match(first, /^[0-9a-f]{32}$/);
  assert.match(store.getDevice('dev-2')!.incarnation, /^[0-9a-f]{32}$/);
  await admin.patchDevice('dev-1', { enabled: false });
  assert.equal(store.getDevice('dev-1')!.incarnation, first);
  await admin.deleteDevice('dev-1');
  await admin.createDevice(DeviceCreate.parse({ id: 'dev-1' }));
  assert.notEqual(store.getDevice('dev-1')!.incarnation, first);
});
