import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SqliteStore } from '../index.js';
import { testEachStore } from './each-store.js';
import Database from 'better-sqlite3';
import { recordChanges } from './helpers.js';
import { openTestAdmin } from '../../admin/test/helpers.js';
import { CertificateIssue, CredentialCreate, DeviceCreate, GroupCreate, ImportBody, RuleCreate } from '../../../schemas/admin.js';

testEachStore('each operation announces exactly the change it makes', async (t) => {
  const { store, admin } = await openTestAdmin(t);
  const changes = recordChanges(store);
  const expect = async (op: () => unknown, expected: unknown[], what: string) => {
    changes.length = 0;
    await op();
    assert.deepEqual(changes, expected, what);
  };
  const dev = { kind: 'device', deviceId: 'dev-1' };
  const all = { kind: 'all' };
  await expect(() => admin.createDevice(DeviceCreate.parse({ id: 'dev-1' })), [dev], 'create device');
  await expect(() => admin.patchDevice('dev-1', { superuser: true }), [dev], 'patch device');
  const { credential } = await admin.addCredential('dev-1', CredentialCreate.parse({ kind: 'password', secret: 'long enough' }));
  await expect(() => admin.revokeCredential('dev-1', credential.id), [dev], 'revoke credential');
  await expect(() => admin.addCredential('dev-1', CredentialCreate.parse({ kind: 'x509', fingerprint: 'ef'.repeat(32) })), [dev], 'add credential');
  await expect(() => admin.issueCertificate('dev-1', CertificateIssue.parse({})), [dev], 'issue certificate');
  await expect(() => admin.recordToken('dev-1', { jti: 'j', expiresAt: 2e9 }), [dev], 'record token');
  await expect(() => admin.revokeToken('j'), [dev], 'revoke token');
  const deviceRule = { subject: { kind: 'device' as const, id: 'dev-1' }, action: 'all' as const, topic: '#', permission: 'allow' as const };
  let ruleId = 0;
  await expect(async () => (ruleId = (await admin.createRule(RuleCreate.parse(deviceRule))).id), [dev], 'device rule');
  await expect(() => admin.patchRule(ruleId, { subject: { kind: 'all' } }), [all], 'rule moved to everyone: all supersedes the device event');
  await expect(() => admin.deleteRule(ruleId), [all], 'delete everyone rule');
  await expect(() => admin.createRule(RuleCreate.parse({ ...deviceRule, subject: { kind: 'anonymous' } })), [all], 'anonymous rule');
  await expect(() => admin.createRule(RuleCreate.parse({ ...deviceRule, subject: { kind: 'group', name: 'g' } })), [all], 'group rule');
  await expect(() => admin.createGroup(GroupCreate.parse({ name: 'h' })), [all], 'create group');
  await expect(() => admin.patchGroup('h', { description: 'x' }), [all], 'patch group');
  await expect(() => admin.deleteGroup('h'), [all], 'delete group');
  await expect(() => admin.importDevices(ImportBody.parse({ devices: [{ id: 'dev-9' }, { id: 'dev-8' }] })),
    [{ kind: 'device', deviceId: 'dev-9' }, { kind: 'device', deviceId: 'dev-8' }], 'import: each device written, not everything');
  await expect(() => admin.importDevices(ImportBody.parse({ devices: [{ id: 'dev-9', superuser: true }, { id: 'dev-7' }, { id: 'dev-8' }] }), { onConflict: 'skip' }),
    [{ kind: 'device', deviceId: 'dev-7' }], 'import: a skipped device is not announced');
  const rotated = admin.keys.activeSigningKey().kid;
  await expect(() => admin.rotateKey('EdDSA'), [], 'rotation changes no decision');
  await expect(() => admin.retireKey(rotated), [all], 'retire key');
  await expect(() => admin.deleteDevice('dev-1'), [dev], 'delete device');
  await expect(() => assert.rejects(admin.deleteDevice('dev-1')), [], 'a failed write announces nothing');
});

test('a change is announced only after it is committed, visible to another connection', async (t) => {
  const { store, admin } = await openTestAdmin(t);
  const other = new Database((store as SqliteStore).path, { readonly: true });
  t.after(() => other.close());
  const seen: unknown[] = [];
  store.onChange(() => seen.push(other.prepare('SELECT id FROM devices').pluck().all()));
  await admin.createDevice(DeviceCreate.parse({ id: 'dev-1' }));
  assert.deepEqual(seen, [['dev-1']]);
});

testEachStore('a write rolled back by a conflict announces nothing and leaves nothing behind', async (t) => {
  const { store, admin } = await openTestAdmin(t);
  await admin.createDevice(DeviceCreate.parse({ id: 'dev-1' }));
  const changes = recordChanges(store);
  await assert.rejects(admin.importDevices(ImportBody.parse({ devices: [{ id: 'dev-2' }, { id: 'dev-1' }] })), { code: 'ERR_CONFLICT' });
  assert.deepEqual(changes, []);
  assert.equal(store.getDevice('dev-2'), undefined);
});

testEachStore('a throwing listener neither undoes the write nor silences the other listeners', async (t) => {
  const { store, admin } = await openTestAdmin(t);
  store.onChange(() => {
    throw new Error('boom');
  });
  const changes = recordChanges(store);
  const unsubscribe = store.onChange(() => changes.push({ kind: 'all' }));
  unsubscribe();
  await admin.createDevice(DeviceCreate.parse({ id: 'dev-1' }));
  assert.deepEqual(changes, [{ kind: 'device', deviceId: 'dev-1' }]);
  assert.ok(store.getDevice('dev-1'));
});
