import assert from 'node:assert/strict';
import { testEachStore } from '../../store/test/each-store.js';
import { verifyPassword } from '../../core/index.js';
import { openTestAdmin } from './helpers.js';
import { CertificateIssue, CredentialCreate, DeviceCreate } from '../../../schemas/admin.js';
import type { ValidationError } from '../../store/index.js';

testEachStore('a password credential without a secret gets a generated one, returned once and stored only hashed', async (t) => {
  const { store, admin } = await openTestAdmin(t);
  await admin.createDevice(DeviceCreate.parse({ id: 'dev-1' }));
  const created = await admin.addCredential('dev-1', CredentialCreate.parse({ kind: 'password' }));
  assert.equal(typeof created.secret, 'string');
  assert.ok(created.secret!.length >= 32);
  const [stored] = store.listPasswordCredentials('dev-1');
  assert.match(stored!.hash, /^scrypt\$16384\$8\$1\$/);
  assert.ok(await verifyPassword(created.secret!, stored!.hash));
  const detail = JSON.stringify(await admin.getDeviceDetail('dev-1'));
  assert.ok(!detail.includes(created.secret!) && !detail.includes('scrypt'), 'reads never show the secret or its hash');
  assert.deepEqual(Object.keys((await admin.listCredentials('dev-1'))[0]!).sort(), ['createdAt', 'deviceId', 'id', 'kind', 'notAfter', 'revoked']);
});

testEachStore('a password credential with a given secret does not echo it back', async (t) => {
  const { store, admin } = await openTestAdmin(t);
  await admin.createDevice(DeviceCreate.parse({ id: 'dev-1' }));
  const created = await admin.addCredential('dev-1', CredentialCreate.parse({ kind: 'password', secret: 'correct horse', notAfter: '2030-01-01T00:00:00Z' }));
  assert.equal(created.secret, undefined);
  assert.equal(created.credential.notAfter, '2030-01-01T00:00:00.000Z');
  assert.equal(store.listPasswordCredentials('dev-1')[0]!.notAfter, Date.parse('2030-01-01T00:00:00Z'));
});

testEachStore('an x509 credential from a PEM takes fingerprint, subject and notAfter from the certificate', async (t) => {
  const { store, admin } = await openTestAdmin(t);
  await admin.createDevice(DeviceCreate.parse({ id: 'dev-1' }));
  await admin.createDevice(DeviceCreate.parse({ id: 'dev-2' }));
  // A certificate from the store's own CA is as good a PEM as any.
  const issued = await admin.issueCertificate('dev-1', CertificateIssue.parse({ days: 10 }));
  await admin.revokeCredential('dev-1', issued.credential.id);
  await admin.deleteDevice('dev-1');
  const { credential } = await admin.addCredential('dev-2', CredentialCreate.parse({ kind: 'x509', certPem: issued.certPem }));
  assert.equal(credential.fingerprint, issued.credential.fingerprint);
  assert.equal(credential.subject, 'CN=dev-1');
  assert.equal(credential.notAfter, issued.credential.notAfter);
  assert.equal(store.findCertificate(credential.fingerprint!)?.deviceId, 'dev-2');
});

testEachStore('registering a fingerprint that is already registered is a conflict, in any spelling', async (t) => {
  const { store, admin } = await openTestAdmin(t);
  await admin.createDevice(DeviceCreate.parse({ id: 'dev-1' }));
  await admin.createDevice(DeviceCreate.parse({ id: 'dev-2' }));
  await admin.addCredential('dev-1', CredentialCreate.parse({ kind: 'x509', fingerprint: 'ab'.repeat(32) }));
  await assert.rejects(admin.addCredential('dev-2', CredentialCreate.parse({ kind: 'x509', fingerprint: 'AB:'.repeat(31) + 'AB' })), { code: 'ERR_CONFLICT' });
  assert.equal(store.findCertificate('AB'.repeat(32))?.deviceId, 'dev-1');
});

testEachStore('a PEM that is no certificate is a validation error naming certPem; unknown devices are not_found', async (t) => {
  const { admin } = await openTestAdmin(t);
  await admin.createDevice(DeviceCreate.parse({ id: 'dev-1' }));
  await assert.rejects(admin.addCredential('dev-1', CredentialCreate.parse({ kind: 'x509', certPem: 'not a cert' })), (err: ValidationError) => {
    return err.code === 'ERR_VALIDATION' && err.fields[0]?.path === 'certPem';
  });
  await assert.rejects(admin.addCredential('ghost', CredentialCreate.parse({ kind: 'password' })), { code: 'ERR_NOT_FOUND' });
  await assert.rejects(admin.listCredentials('ghost'), { code: 'ERR_NOT_FOUND' });
});

testEachStore('a revoked credential stays listed as revoked; revoking an unknown one is not_found', async (t) => {
  const { store, admin } = await openTestAdmin(t);
  await admin.createDevice(DeviceCreate.parse({ id: 'dev-1' }));
  const { credential } = await admin.addCredential('dev-1', CredentialCreate.parse({ kind: 'x509', fingerprint: 'cd'.repeat(32) }));
  assert.equal((await admin.revokeCredential('dev-1', credential.id)).revoked, true);
  assert.equal((await admin.revokeCredential('dev-1', credential.id)).revoked, true, 'revoking twice is harmless');
  assert.equal(store.findCertificate('cd'.repeat(32))?.revoked, true);
  await assert.rejects(admin.revokeCredential('dev-1', 'nope'), { code: 'ERR_NOT_FOUND' });
  await assert.rejects(admin.revokeCredential('dev-2', credential.id), { code: 'ERR_NOT_FOUND' });
});

testEachStore('a recorded token can be listed, looked up by jti and revoked', async (t) => {
  const { store, admin } = await openTestAdmin(t);
  await admin.createDevice(DeviceCreate.parse({ id: 'dev-1' }));
  const token = await admin.recordToken('dev-1', { jti: 'jti-1', expiresAt: 1_900_000_000 });
  assert.equal(token.expiresAt, new Date(1_900_000_000_000).toISOString());
  assert.deepEqual(store.getToken('jti-1'), { kind: 'jwt', id: 'jti-1', jti: 'jti-1', deviceId: 'dev-1', notAfter: 1_900_000_000_000, revoked: false });
  await assert.rejects(admin.recordToken('dev-1', { jti: 'jti-1', expiresAt: 1 }), { code: 'ERR_CONFLICT' });
  await assert.rejects(admin.recordToken('ghost', { jti: 'jti-2', expiresAt: 1 }), { code: 'ERR_NOT_FOUND' });
  assert.equal((await admin.revokeToken('jti-1')).revoked, true);
  assert.equal(store.getToken('jti-1')?.revoked, true);
  assert.deepEqual((await admin.listTokens('dev-1')).map((x) => x.jti), ['jti-1']);
  await assert.rejects(admin.revokeToken('nope'), { code: 'ERR_NOT_FOUND' });
});
