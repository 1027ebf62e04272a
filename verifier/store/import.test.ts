import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verifyPassword } from '../core/index.js';
import { parseImportCsv } from './index.js';
import type { StoreError, ValidationError } from './errors.js';
import { openTestStore } from './test/helpers.js';

const devices = (n: number, prefix = 'dev-') =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}${String(i).padStart(5, '0')}`, groups: ['bulk'] }));

test('importing 10,000 devices in one call writes them all', async (t) => {
  const store = await openTestStore(t);
  // How fast is measured in bench:verifier, not here.
  const result = await store.importDevices({ devices: devices(10_000) });
  assert.deepEqual(result, { created: 10_000, updated: 0, skipped: 0 });
  assert.deepEqual(store.getDevice('dev-09999')?.groups, ['bulk']);
  assert.equal(store.listDevices({ group: 'bulk', limit: 1000, cursor: 'dev-09500' }).items.length, 499);
});

test('a bad row at the end of 10,000 writes nothing', async (t) => {
  const store = await openTestStore(t);
  store.createDevice({ id: 'taken' });
  // Valid syntax, so only the write can find it: the device id already exists.
  await assert.rejects(store.importDevices({ devices: [...devices(10_000), { id: 'taken' }] }), (err: StoreError) => {
    return err.code === 'conflict' && err.message.includes('devices.10000.id');
  });
  assert.equal(store.getDevice('dev-00000'), undefined);
  assert.deepEqual(store.listDevices().items.map((d) => d.id), ['taken']);
  // Registered while the import hashes its passwords: only the transaction can see it, at its last row.
  const racing = store.importDevices({ devices: [{ id: 'first', password: 'long enough' }, ...devices(10_000), { id: 'late' }] });
  store.createDevice({ id: 'late' });
  await assert.rejects(racing, (err: StoreError) => err.code === 'conflict' && err.message.includes('devices.10001.id'));
  assert.equal(store.getDevice('first'), undefined);
  assert.equal(store.getDevice('dev-09999'), undefined);
  assert.equal(store.listDevices().items.length, 2);
  // An invalid row is refused by validation before anything else.
  await assert.rejects(store.importDevices({ devices: [...devices(10), { id: 'bad/id' }] }), (err: ValidationError) => {
    return err.code === 'validation' && err.fields[0]?.path === 'devices.10.id';
  });
});

test('duplicate ids or fingerprints inside one import are a conflict', async (t) => {
  const store = await openTestStore(t);
  await assert.rejects(store.importDevices({ devices: [{ id: 'a' }, { id: 'a' }] }), { code: 'conflict' });
  const fp = '12'.repeat(32);
  await assert.rejects(store.importDevices({ devices: [{ id: 'a', certFingerprint: fp }, { id: 'b', certFingerprint: fp }] }), {
    code: 'conflict',
  });
  assert.equal(store.listDevices().items.length, 0);
});

test('imported passwords and fingerprints become credentials', async (t) => {
  const store = await openTestStore(t);
  await store.importDevices({
    devices: [
      { id: 'a', password: 'secret-a-123', superuser: true },
      { id: 'b', certFingerprint: '34'.repeat(32), attributes: { site: 'x' } },
    ],
  });
  const [hash] = store.listPasswordCredentials('a');
  assert.ok(await verifyPassword('secret-a-123', hash!.hash));
  assert.equal(store.getDevice('a')?.superuser, true);
  assert.equal(store.findCertificate('34'.repeat(32))?.deviceId, 'b');
  assert.deepEqual(store.getDevice('b')?.attributes, { site: 'x' });
});

test('an imported device has an incarnation of its own, new when it is removed and imported again', async (t) => {
  const store = await openTestStore(t);
  await store.importDevices({ devices: [{ id: 'a' }, { id: 'b' }] });
  const first = store.getDevice('a')!.incarnation;
  assert.match(first, /^[0-9a-f]{32}$/);
  assert.notEqual(store.getDevice('b')!.incarnation, first);
  store.deleteDevice('a');
  await store.importDevices({ devices: [{ id: 'a' }] });
  assert.notEqual(store.getDevice('a')!.incarnation, first, 'a re-imported device is another identity');
});

test('a CSV import reads groups, booleans, quoted passwords and fingerprints', async (t) => {
  const csv = [
    'id,groups,superuser,password,cert_fingerprint',
    'a,g1;g2,true,"pass,with ""comma""",',
    'b,,0,,' + 'AB:'.repeat(31) + 'AB',
    '',
  ].join('\r\n');
  const body = parseImportCsv(csv);
  assert.deepEqual(body.devices, [
    { id: 'a', groups: ['g1', 'g2'], superuser: true, password: 'pass,with "comma"' },
    { id: 'b', superuser: false, certFingerprint: 'AB:'.repeat(31) + 'AB' },
  ]);
  const store = await openTestStore(t);
  assert.deepEqual(await store.importDevices(body), { created: 2, updated: 0, skipped: 0 });
  assert.equal(store.findCertificate('ab'.repeat(32))?.deviceId, 'b');
});

test('a malformed CSV is a validation error naming the line or column', () => {
  const fails = (csv: string, path: string) =>
    assert.throws(() => parseImportCsv(csv), (err: ValidationError) => err.code === 'validation' && err.fields[0]?.path === path, csv);
  fails('', 'csv');
  fails('id,color\na,red', 'csv.header.1');
  fails('groups\ng', 'csv.header');
  fails('id,superuser\na,yes', 'csv.line.2.superuser');
  fails('id,groups\na\n', 'csv.line.2');
  fails('id,password\na,"open', 'csv');
});

test('onConflict: fail refuses an existing id, skip leaves it as it was, update makes it match the row', async (t) => {
  const store = await openTestStore(t);
  await store.importDevices({ devices: [{ id: 'old', groups: ['a'], password: 'old-password-1' }] });
  const retry = { devices: [{ id: 'old', groups: ['b'], superuser: true, password: 'new-password-1' }, { id: 'new' }] };

  await assert.rejects(store.importDevices(retry), (err: StoreError) => err.code === 'conflict' && err.message.includes('devices.0.id'));
  assert.equal(store.getDevice('new'), undefined, 'fail wrote nothing');

  assert.deepEqual(await store.importDevices(retry, { onConflict: 'skip' }), { created: 1, updated: 0, skipped: 1 });
  assert.deepEqual(store.getDevice('old')?.groups, ['a']);
  assert.ok(await verifyPassword('old-password-1', store.listPasswordCredentials('old')[0]!.hash));
  // Run again: everything is there already, so it converges instead of failing.
  assert.deepEqual(await store.importDevices(retry, { onConflict: 'skip' }), { created: 0, updated: 0, skipped: 2 });

  assert.deepEqual(await store.importDevices(retry, { onConflict: 'update' }), { created: 0, updated: 2, skipped: 0 });
  assert.deepEqual([store.getDevice('old')?.groups, store.getDevice('old')?.superuser], [['b'], true]);
  const passwords = store.listPasswordCredentials('old');
  assert.equal(passwords.length, 1, 'the row\'s password replaced the old one');
  assert.ok(await verifyPassword('new-password-1', passwords[0]!.hash));
});

test('no policy lets a row take a certificate registered to another device; its own is kept once', async (t) => {
  const store = await openTestStore(t);
  const fp = '56'.repeat(32);
  await store.importDevices({ devices: [{ id: 'owner', certFingerprint: fp }] });
  for (const onConflict of ['skip', 'update'] as const) {
    await assert.rejects(store.importDevices({ devices: [{ id: 'thief', certFingerprint: fp }] }, { onConflict }), { code: 'conflict' });
  }
  assert.deepEqual(await store.importDevices({ devices: [{ id: 'owner', certFingerprint: fp }] }, { onConflict: 'update' }), { created: 0, updated: 1, skipped: 0 });
  assert.equal(store.getDeviceDetail('owner').credentials.length, 1);
});

test('an import whose signal is aborted while passwords are hashed writes nothing', async (t) => {
  const store = await openTestStore(t);
  const gone = new AbortController();
  const importing = store.importDevices({ devices: Array.from({ length: 40 }, (_, i) => ({ id: `p-${i}`, password: 'password-long-enough' })) }, { signal: gone.signal });
  setTimeout(() => gone.abort(), 50);
  await assert.rejects(importing, { name: 'AbortError' });
  assert.equal(store.listDevices().items.length, 0);
});
