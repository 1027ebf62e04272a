import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { EC_P256, randomSerial, subtle, x509 } from '../crypto-provider.js';
import { readCertificate } from '../index.js';

async function selfSigned(name: string, notAfter: Date): Promise<string> {
  const keys = (await subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name,
    notBefore: new Date(Date.now() - 60_000),
    notAfter,
    keys,
    signingAlgorithm: EC_P256,
  });
  return cert.toString('pem');
}

test('a certificate reads as its DER fingerprint, its subject in RFC 4514 order and its notAfter', async () => {
  const notAfter = new Date('2031-05-06T07:08:09Z');
  // Encoded most general first (C, O, CN), as CAs usually do.
  const pem = await selfSigned('C=DE, O=Acme, CN=dev-042', notAfter);
  const facts = readCertificate(pem);
  assert.equal(facts.subject, 'CN=dev-042,O=Acme,C=DE');
  assert.equal(facts.notAfter, notAfter.getTime());
  const der = Buffer.from(x509.PemConverter.decodeFirst(pem));
  assert.equal(facts.fingerprint, createHash('sha256').update(der).digest('hex'));
});

test('text that is not a certificate throws', () => {
  assert.throws(() => readCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'));
  assert.throws(() => readCertificate('hello'));
});

test('serials are positive 128-bit numbers and do not repeat', () => {
  const serials = new Set(Array.from({ length: 100 }, randomSerial));
  assert.equal(serials.size, 100);
  for (const s of serials) assert.ok(/^[0-7][0-9a-f]{31}$/.test(s), s);
});
