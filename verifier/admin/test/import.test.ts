import assert from 'node:assert/strict';
import { testEachStore } from '../../store/test/each-store.js';
import { verifyPassword } from '../../core/index.js';
import { openTestAdmin } from './helpers.js';
import { DeviceCreate, DeviceListQuery, ImportBody } from '../../../schemas/admin.js';

const devices = (n: number, prefix = 'dev-') =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}${String(i).padStart(5, '0')}`, groups: ['bulk'] }));

testEachStore('importing 10,000 devices in one call writes them all', async (t) => {
  const { store, admin } = await openTestAdmin(t);
  // How fast is measured in bench:verifier, not here.
  const result = await admin.importDevices(ImportBody.parse({ devices: devices(10_000) }));
  assert.deepEqual(result, { created: 10_000, updated: 0, skipped: 0 });
  assert.deepEqual(store.getDevice('dev-09999')?.groups, ['bulk']);
  assert.equal((await admin.listDevices({ group: 'bulk', limit: 1000, cursor: 'dev-09500' })).items.length, 499);
});

testEachStore('a bad row at the end of 10,000 writes nothing', async (t) => {
  const { store, admin } = await openTestAdmin(t);
  await admin.createDevice(DeviceCreate.parse({ id: 'taken' }));
  // Valid syntax, so only the write can find it: the device id already exists.
  await assert.rejects(admin.importDevices(ImportBody.parse({ devices: [...devices(10_000), { id: 'taken' }] })), (err: Error & { code?: string }) => {
    return err.code === 'ERR_CONFLICT' && err.message.includes('devices.10000.id');
  });
  assert.equal(store.getDevice('dev-00000'), undefined);
  assert.deepEqual((await admin.listDevices(DeviceListQuery.parse({}))).items.map((d) => d.id), ['taken']);
  // Registered while the import hashes its passwords: only the transaction can see it, at its last row.
  // Its write waits for that registration: on PostgreSQL both are network round trips and could race.
  const write = store.imports.write;
  let registered: Promise<unknown> = Promise.resolve();
  Object.assign(store.imports, { write: async (...args: Parameters<typeof write>) => (await registered, write(...args)) });
  const racing = admin.importDevices(ImportBody.parse({ devices: [{ id: 'first', password: 'long enough' }, ...devices(10_000), { id: 'late' }] }));
  registered = admin.createDevice(DeviceCreate.parse({ id: 'late' }));
  await registered;
  await assert.rejects(racing, (err: Error & { code?: string }) => err.code === 'ERR_CONFLICT' && err.message.includes('devices.10001.id'));
  assert.equal(store.getDevice('first'), undefined);
  assert.equal(store.getDevice('dev-09999'), undefined);
  assert.equal((await admin.listDevices(DeviceListQuery.parse({}))).items.length, 2);
});

testEachStore('duplicate ids or fingerprints inside one import are a conflict', async (t) => {
  const { admin } = await openTestAdmin(t);
  await assert.rejects(admin.importDevices(ImportBody.parse({ devices: [{ id: 'a' }, { id: 'a' }] })), { code: 'ERR_CONFLICT' });
  const fp = '12'.repeat(32);
  await assert.rejects(admin.importDevices(ImportBody.parse({ devices: [{ id: 'a', certFingerprint: fp }, { id: 'b', certFingerprint: fp }] })), {
    code: 'ERR_CONFLICT',
  });
  assert.equal((await admin.listDevices(DeviceListQuery.parse({}))).items.length, 0);
});

testEachStore('imported passwords and fingerprints become credentials', async (t) => {
  const { store, admin } = await openTestAdmin(t);
  await admin.importDevices(ImportBody.parse({
    devices: [
      { id: 'a', password: 'secret-a-123', superuser: true },
      { id: 'b', certFingerprint: '34'.repeat(32), attributes: { site: 'x' } },
    ],
  }));
  const [hash] = store.listPasswordCredentials('a');
  assert.ok(await verifyPassword('secret-a-123', hash!.hash));
  assert.equal(store.getDevice('a')?.superuser, true);
  assert.equal(store.findCertificate('34'.repeat(32))?.deviceId, 'b');
  assert.deepEqual(store.getDevice('b')?.attributes, { site: 'x' });
});

testEachStore('an imported device has an incarnation of its own, new when it is removed and imported again', async (t) => {
  const { store, admin } = await openTestAdmin(t);
  await admin.importDevices(ImportBody.parse({ devices: [{ id: 'a' }, { id: 'b' }] }));
  const first = store.getDevice('a')!.incarnation;
  assert.match(first, /^[0-9a-f]{32}$/);
  assert.notEqual(store.getDevice('b')!.incarnation, first);
  await admin.deleteDevice('a');
  await admin.importDevices(ImportBody.parse({ devices: [{ id: 'a' }] }));
  assert.notEqual(store.getDevice('a')!.incarnation, first, 'a re-imported device is another identity');
});

testEachStore('onConflict: fail refuses an existing id, skip leaves it as it was, update makes it match the row', async (t) => {
  const { store, admin } = await openTestAdmin(t);
  await admin.importDevices(ImportBody.parse({ devices: [{ id: 'old', groups: ['a'], password: 'old-password-1' }] }));
  const retry = ImportBody.parse({ devices: [{ id: 'old', groups: ['b'], superuser: true, password: 'new-password-1' }, { id: 'new' }] });

  await assert.rejects(admin.importDevices(retry), (err: Error & { code?: string }) => err.code === 'ERR_CONFLICT' && err.message.includes('devices.0.id'));
  assert.equal(store.getDevice('new'), undefined, 'fail wrote nothing');

  assert.deepEqual(await admin.importDevices(retry, { onConflict: 'skip' }), { created: 1, updated: 0, skipped: 1 });
  assert.deepEqual(store.getDevice('old')?.groups, ['a']);
  assert.ok(await verifyPassword('old-password-1', store.listPasswordCredentials('old')[0]!.hash));
  // Run again: everything is there already, so it converges instead of failing.
  assert.deepEqual(await admin.importDevices(retry, { onConflict: 'skip' }), { created: 0, updated: 0, skipped: 2 });

  assert.deepEqual(await admin.importDevices(retry, { onConflict: 'update' }), { created: 0, updated: 2, skipped: 0 });
  assert.deepEqual([store.getDevice('old')?.groups, store.getDevice('old')?.superuser], [['b'], true]);
  const passwords = store.listPasswordCredentials('old');
  assert.equal(passwords.length, 1, 'the row\'s password replaced the old one');
  assert.ok(await verifyPassword('new-password-1', passwords[0]!.hash));
});

testEachStore('no policy lets a row take a certificate registered to another device; its own is kept once', async (t) => {
  const { admin } = await openTestAdmin(t);
  const fp = '56'.repeat(32);
  await admin.importDevices(ImportBody.parse({ devices: [{ id: 'owner', certFingerprint: fp }] }));
  for (const onConflict of ['skip', 'update'] as const) {
    await assert.rejects(admin.importDevices(ImportBody.parse({ devices: [{ id: 'thief', certFingerprint: fp }] }), { onConflict }), { code: 'ERR_CONFLICT' });
  }
  assert.deepEqual(await admin.importDevices(ImportBody.parse({ devices: [{ id: 'owner', certFingerprint: fp }] }), { onConflict: 'update' }), { created: 0, updated: 1, skipped: 0 });
  assert.equal((await admin.getDeviceDetail('owner')).credentials.length, 1);
});

testEachStore('an import whose signal is aborted while passwords are hashed writes nothing', async (t) => {
  const { admin } = await openTestAdmin(t);
  const gone = new AbortController();
  const importing = admin.importDevices(ImportBody.parse({ devices: Array.from({ length: 40 }, (_, i) => ({ id: `p-${i}`, password: 'password-long-enough' })) }), { signal: gone.signal });
  setTimeout(() => gone.abort(), 50);
  await assert.rejects(importing, { name: 'AbortError' });
  assert.equal((await admin.listDevices(DeviceListQuery.parse({}))).items.length, 0);
});
