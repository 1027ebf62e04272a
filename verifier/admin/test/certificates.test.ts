import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import { testEachStore } from '../../store/test/each-store.js';
import { openStoreIn, tempDir } from '../../store/test/helpers.js';
import { createAdmin } from '../index.js';
import { openTestAdmin, TOKEN_IDENTITY } from './helpers.js';
import { CertificateIssue, DeviceCreate } from '../../../schemas/admin.js';

testEachStore('the device CA is created on first start and kept across a reopen', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  const first = await openStoreIn(dataDir);
  const pem = (await createAdmin({ store: first, clock: Date, tokens: TOKEN_IDENTITY })).caCertificatePem();
  await first.close();
  const second = await openStoreIn(dataDir);
  t.after(() => second.close());
  assert.equal((await createAdmin({ store: second, clock: Date, tokens: TOKEN_IDENTITY })).caCertificatePem(), pem);
  const ca = new X509Certificate(pem);
  assert.equal(ca.ca, true);
  assert.equal(ca.subject, 'CN=ARRA-MQ device CA');
  assert.ok(ca.verify(ca.publicKey), 'self-signed');
});

for (const keyAlg of ['EC', 'Ed25519'] as const) {
  testEachStore(`an issued ${keyAlg} device certificate is signed by the CA, for clientAuth, and registered`, async (t) => {
    const { store, admin } = await openTestAdmin(t);
    await admin.createDevice(DeviceCreate.parse({ id: 'dev-7' }));
    const issued = await admin.issueCertificate('dev-7', CertificateIssue.parse({ days: 30, keyAlg }));
    const cert = new X509Certificate(issued.certPem);
    const ca = new X509Certificate(issued.caPem);
    assert.ok(cert.verify(ca.publicKey));
    assert.ok(cert.checkIssued(ca));
    assert.equal(cert.ca, false);
    assert.equal(cert.subject, 'CN=dev-7');
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2'], 'extended key usage: clientAuth only');
    const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
    assert.ok(days > 29 && days <= 30, `valid for ${days} days`);
    // The returned private key is the certificate's.
    const key = createPrivateKey(issued.keyPem);
    assert.equal(key.asymmetricKeyType, keyAlg === 'EC' ? 'ec' : 'ed25519');
    assert.ok(cert.checkPrivateKey(key));
    const registered = store.findCertificate(cert.fingerprint256);
    assert.equal(registered?.deviceId, 'dev-7');
    assert.equal(registered?.subject, 'CN=dev-7');
    assert.equal(registered?.notAfter, Date.parse(cert.validTo));
    assert.equal(issued.credential.fingerprint, cert.fingerprint256.replace(/:/g, '').toLowerCase());
    assert.ok(!JSON.stringify(await admin.getDeviceDetail('dev-7')).includes('PRIVATE KEY'));
  });
}

testEachStore('issuing a certificate for an unknown device is not_found and registers nothing', async (t) => {
  const { admin } = await openTestAdmin(t);
  await assert.rejects(admin.issueCertificate('ghost', CertificateIssue.parse({})), { code: 'ERR_NOT_FOUND' });
  await admin.createDevice(DeviceCreate.parse({ id: 'dev-1' }));
  assert.deepEqual(await admin.listCredentials('dev-1'), []);
});
