import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ValidationError } from './errors.js';
import { openTestStore } from './test/helpers.js';

test('a created device reads back with its defaults, groups and no credentials', async (t) => {
  const store = await openTestStore(t);
  const created = store.createDevice({ id: 'dev-1', groups: ['sensors', 'eu'] });
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
  assert.deepEqual(store.getDeviceDetail('dev-1').credentials, []);
  assert.deepEqual(store.getDevice('dev-1')?.groups, ['eu', 'sensors']);
  assert.deepEqual(store.listGroups().map((g) => g.name), ['eu', 'sensors'], 'groups are created on first use');
});

test('creating a device whose id exists is a conflict', async (t) => {
  const store = await openTestStore(t);
  store.createDevice({ id: 'dev-1' });
  assert.throws(() => store.createDevice({ id: 'dev-1' }), { code: 'conflict' });
});

test('an invalid device body is a validation error naming the field', async (t) => {
  const store = await openTestStore(t);
  assert.throws(() => store.createDevice({ id: 'a/b' }), (err: ValidationError) => err.code === 'validation' && err.fields[0]?.path === 'id');
  assert.throws(() => store.createDevice({ id: 'ok', groups: ['x', 'x'] }), { code: 'validation' });
  assert.throws(() => store.createDevice({ id: 'ok', extra: 1 } as never), { code: 'validation' });
});

test('reading, patching or deleting an unknown device is not_found', async (t) => {
  const store = await openTestStore(t);
  assert.throws(() => store.getDeviceDetail('nope'), { code: 'not_found' });
  assert.throws(() => store.patchDevice('nope', { enabled: false }), { code: 'not_found' });
  assert.throws(() => store.deleteDevice('nope'), { code: 'not_found' });
  assert.equal(store.getDevice('nope'), undefined);
});

test('a patch changes only the fields it names and replaces the group list', async (t) => {
  const store = await openTestStore(t);
  store.createDevice({ id: 'dev-1', groups: ['a'], attributes: { site: 'x' } });
  const disabled = store.patchDevice('dev-1', { enabled: false, disabledReason: 'stolen', groups: ['b'] });
  assert.equal(disabled.enabled, false);
  assert.equal(disabled.disabledReason, 'stolen');
  assert.deepEqual(disabled.groups, ['b']);
  assert.deepEqual(disabled.attributes, { site: 'x' });
  const record = store.getDevice('dev-1');
  assert.equal(record?.enabled, false);
  assert.equal(record?.disabledReason, 'stolen');
  const enabled = store.patchDevice('dev-1', { enabled: true });
  assert.equal(enabled.disabledReason, null, 're-enabling clears the reason');
  assert.deepEqual(enabled.groups, ['b']);
});

test('deleting a device removes its credentials, tokens and device rules but not group rules', async (t) => {
  const store = await openTestStore(t);
  store.createDevice({ id: 'dev-1', groups: ['g'] });
  const { credential } = await store.addCredential('dev-1', { kind: 'x509', fingerprint: 'ab'.repeat(32) });
  store.recordToken('dev-1', { jti: 'j1', expiresAt: 2_000_000_000 });
  store.createRule({ subject: { kind: 'device', id: 'dev-1' }, action: 'publish', topic: 'a/#', permission: 'allow' });
  const groupRule = store.createRule({ subject: { kind: 'group', name: 'g' }, action: 'publish', topic: 'b/#', permission: 'allow' });
  store.deleteDevice('dev-1');
  assert.equal(store.getDevice('dev-1'), undefined);
  assert.equal(store.findCertificate(credential.fingerprint!), undefined);
  assert.equal(store.getToken('j1'), undefined);
  assert.deepEqual(store.listRules().map((r) => r.id), [groupRule.id]);
  // The fingerprint is free again once its device is gone.
  store.createDevice({ id: 'dev-2' });
  await store.addCredential('dev-2', { kind: 'x509', fingerprint: 'ab'.repeat(32) });
});

test('listing pages through devices by id with a cursor, a prefix and a group filter', async (t) => {
  const store = await openTestStore(t);
  for (let i = 0; i < 25; i++) {
    store.createDevice({ id: `dev-${String(i).padStart(2, '0')}`, groups: i % 2 ? ['odd'] : [] });
  }
  store.createDevice({ id: 'other' });
  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = store.listDevices({ limit: 10, cursor, prefix: 'dev-' });
    seen.push(...page.items.map((d) => d.id));
    cursor = page.nextCursor ?? undefined;
    pages++;
  } while (cursor);
  assert.equal(pages, 3);
  assert.equal(seen.length, 25);
  assert.deepEqual(seen, [...seen].sort());
  const odd = store.listDevices({ group: 'odd', limit: 100 });
  assert.equal(odd.items.length, 12);
  assert.equal(odd.nextCursor, null);
  assert.equal(store.listDevices({ limit: '25' as never }).nextCursor, 'dev-24', 'limit arrives as a query string');
  assert.throws(() => store.listDevices({ limit: 0 }), { code: 'validation' });
});

test('a device keeps its incarnation when changed, and one removed and created again gets a new one', async (t) => {
  const store = await openTestStore(t);
  store.createDevice({ id: 'dev-1' });
  await store.importDevices({ devices: [{ id: 'dev-2' }] });
  const first = store.getDevice('dev-1')!.incarnation;
  assert.match(first, /^[0-9a-f]{32}$/);
  assert.match(store.getDevice('dev-2')!.incarnation, /^[0-9a-f]{32}$/);
  store.patchDevice('dev-1', { enabled: false });
  assert.equal(store.getDevice('dev-1')!.incarnation, first);
  store.deleteDevice('dev-1');
  store.createDevice({ id: 'dev-1' });
  assert.notEqual(store.getDevice('dev-1')!.incarnation, first);
});
