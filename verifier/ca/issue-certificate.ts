/** A device's key pair and client certificate; the private key is returned once and never kept. */
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
  // clientAuth only: a device certificate must not be usable to impersonate a server.
  const cert = await signLeafCertificate(ca, { subject: `CN=${deviceId}`, publicKey: keys.publicKey, days, usage: 'clientAuth', now });
  const certPem = cert.toString('pem');
  const keyPem = toPem(await subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  return { ...readCertificate(certPem), certPem, keyPem };
}

export interface LeafRequest {
  subject: string;
  publicKey: CryptoKey;
  days: number;
  /** The one extended key usage: a leaf is either a client (device) or a server, never both. */
  usage: 'clientAuth' | 'serverAuth';
  extensions?: x509.Extension[];
  now?: number;
}

export async function signLeafCertificate(ca: DeviceCa, leaf: LeafRequest): Promise<x509.X509Certificate> {
  const now = leaf.now ?? Date.now();
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: leaf.subject,
    issuer: ca.cert.subject,
    // Backdated a minute: a peer whose clock runs slightly behind must not see a not-yet-valid certificate.
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + leaf.days * DAY_MS),
    publicKey: leaf.publicKey,
    signingKey: ca.privateKey,
    signingAlgorithm: EC_P256,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage[leaf.usage]], false),
      ...(leaf.extensions ?? []),
      await x509.SubjectKeyIdentifierExtension.create(leaf.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
}
