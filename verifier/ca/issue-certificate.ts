/**
 * Issues a device's key pair and client certificate (subject `CN=<deviceId>`, clientAuth only), signed
 * by the device CA. The private key is returned to the caller once and never kept.
 *
 * @module verifier/ca/issue-certificate
 */
import type { CertificateKeyAlg } from '../../schemas/admin.js';
import type { DeviceCa } from './device-ca.js';
import { EC_P256, ED25519, randomSerial, subtle, toPem, x509 } from './crypto-provider.js';
import { readCertificate, type CertificateFacts } from './read-certificate.js';

const DAY_MS = 86_400_000;

export interface IssuedDeviceCertificate extends CertificateFacts {
  certPem: string;
  keyPem: string;
}

export async function issueDeviceCertificate(
  ca: DeviceCa,
  deviceId: string,
  days: number,
  keyAlg: CertificateKeyAlg,
  now = Date.now(),
): Promise<IssuedDeviceCertificate> {
  const algorithm = keyAlg === 'EC' ? EC_P256 : ED25519;
  const keys = (await subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
  // Device ids are [A-Za-z0-9._-]: nothing in them needs DN escaping.
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${deviceId}`,
    issuer: ca.cert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + days * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: ca.privateKey,
    signingAlgorithm: EC_P256,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      // clientAuth only: a device certificate must not be usable to impersonate a server.
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  const certPem = cert.toString('pem');
  const keyPem = toPem(await subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  return { ...readCertificate(certPem), certPem, keyPem };
}
