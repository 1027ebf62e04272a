import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openTestStore, recordChanges } from './test/helpers.js';

test('each operation announces exactly the change it makes', async (t) => {
  const store = await openTestStore(t);
  const changes = recordChanges(store);
  const expect = async (op: () => unknown, expected: unknown[], what: string) => {
    changes.length = 0;
    await op();
    assert.deepEqual(changes, expected, what);
  };
  const dev = { kind: 'device', deviceId: 'dev-1' };
  const all = { kind: 'all' };
  await expect(() => store.createDevice({ id: 'dev-1' }), [dev], 'create device');
  await expect(() => store.patchDevice('dev-1', { superuser: true }), [dev], 'patch device');
  const { credential } = await store.addCredential('dev-1', { kind: 'password', secret: 'long enough' });
  await expect(() => store.revokeCredential('dev-1', credential.id), [dev], 'revoke credential');
  await expect(() => store.addCredential('dev-1', { kind: 'x509', fingerprint: 'ef'.repeat(32) }), [dev], 'add credential');
  await expect(() => store.issueCertificate('dev-1'), [dev], 'issue certificate');
  await expect(() => store.recordToken('dev-1', { jti: 'j', expiresAt: 2e9 }), [dev], 'record token');
  await expect(() => store.revokeToken('j'), [dev], 'revoke token');
  const deviceRule = { subject: { kind: 'device' as const, id: 'dev-1' }, action: 'all' as const, topic: '#', permission: 'allow' as const };
  let ruleId = 0;
  await expect(() => (ruleId = store.createRule(deviceRule).id), [dev], 'device rule');
  await expect(() => store.patchRule(ruleId, { subject: { kind: 'all' } }), [all], 'rule moved to everyone: all supersedes the device event');
  await expect(() => store.deleteRule(ruleId), [all], 'delete everyone rule');
  await expect(() => store.createRule({ ...deviceRule, subject: { kind: 'anonymous' } }), [all], 'anonymous rule');
  await expect(() => store.createRule({ ...deviceRule, subject: { kind: 'group', name: 'g' } }), [all], 'group rule');
  await expect(() => store.createGroup({ name: 'h' }), [all], 'create group');
  await expect(() => store.patchGroup('h', { description: 'x' }), [all], 'patch group');
  await expect(() => store.deleteGroup('h'), [all], 'delete group');
  await expect(() => store.importDevices({ devices: [{ id: 'dev-9' }] }), [all], 'import');
  const rotated = store.activeSigningKey().kid;
  await expect(() => store.rotateKey(), [], 'rotation changes no decision');
  await expect(() => store.retireKey(rotated), [all], 'retire key');
  await expect(() => store.deleteDevice('dev-1'), [dev], 'delete device');
  await expect(() => assert.throws(() => store.deleteDevice('dev-1')), [], 'a failed write announces nothing');
});

test('a change is announced only after it is committed, visible to another connection', async (t) => {
  const store = await openTestStore(t);
  const other = new Database(store.path, { readonly: true });
  t.after(() => other.close());
  const seen: unknown[] = [];
  store.onChange(() => seen.push(other.prepare('SELECT id FROM devices').pluck().all()));
  store.createDevice({ id: 'dev-1' });
  assert.deepEqual(seen, [['dev-1']]);
});

test('a write rolled back by a conflict announces nothing and leaves nothing behind', async (t) => {
  const store = await openTestStore(t);
  store.createDevice({ id: 'dev-1' });
  const changes = recordChanges(store);
  await assert.rejects(store.importDevices({ devices: [{ id: 'dev-2' }, { id: 'dev-1' }] }), { code: 'conflict' });
  assert.deepEqual(changes, []);
  assert.equal(store.getDevice('dev-2'), undefined);
});

test('a throwing listener neither undoes the write nor silences the other listeners', async (t) => {
  const store = await openTestStore(t);
  store.onChange(() => {
    throw new Error('boom');
  });
  const changes = recordChanges(store);
  const unsubscribe = store.onChange(() => changes.push({ kind: 'all' }));
  unsubscribe();
  store.createDevice({ id: 'dev-1' });
  assert.deepEqual(changes, [{ kind: 'device', deviceId: 'dev-1' }]);
  assert.ok(store.getDevice('dev-1'));
});
