import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStore } from './index.js';
import { openTestStore, tempDir } from './test/helpers.js';

test('the device CA is created on first start and kept across a reopen', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  const first = await openStore({ dataDir });
  const pem = first.caCertificatePem();
  first.close();
  const second = await openStore({ dataDir });
  t.after(() => second.close());
  assert.equal(second.caCertificatePem(), pem);
  const ca = new X509Certificate(pem);
  assert.equal(ca.ca, true);
  assert.equal(ca.subject, 'CN=ARRA-MQ device CA');
  assert.ok(ca.verify(ca.publicKey), 'self-signed');
});

for (const keyAlg of ['EC', 'Ed25519'] as const) {
  test(`an issued ${keyAlg} device certificate is signed by the CA, for clientAuth, and registered`, async (t) => {
    const store = await openTestStore(t);
    store.createDevice({ id: 'dev-7' });
    const issued = await store.issueCertificate('dev-7', { days: 30, keyAlg });
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
    assert.ok(!JSON.stringify(store.getDeviceDetail('dev-7')).includes('PRIVATE KEY'));
  });
}

test('issuing a certificate for an unknown device is not_found, bad options a validation error', async (t) => {
  const store = await openTestStore(t);
  await assert.rejects(store.issueCertificate('ghost'), { code: 'not_found' });
  store.createDevice({ id: 'dev-1' });
  await assert.rejects(store.issueCertificate('dev-1', { days: 0 }), { code: 'validation' });
  await assert.rejects(store.issueCertificate('dev-1', { keyAlg: 'RSA' as never }), { code: 'validation' });
  assert.deepEqual(store.listCredentials('dev-1'), []);
});
