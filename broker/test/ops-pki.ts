/**
 * Test PKI: a device CA, a server certificate for 127.0.0.1, a device certificate the CA signed and
 * one from a stranger CA. Generated fresh per test file with @peculiar/x509 on WebCrypto (P-256).
 *
 * @module broker/test/ops-pki
 */
import { X509Certificate, webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface Issued {
  certPem: string;
  keyPem: string;
  /** SHA-256 of the DER, lowercase hex, as the broker passes it on. */
  fingerprint: string;
}

export interface TestPki {
  ca: Issued;
  server: Issued;
  device: Issued;
  /** Signed by a CA the broker does not trust. */
  stranger: Issued;
}

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function toIssued(cert: x509.X509Certificate, keys: CryptoKeyPair): Promise<Issued> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const keyPem = x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
  const certPem = cert.toString('pem');
  const fingerprint = new X509Certificate(certPem).fingerprint256.replace(/:/g, '').toLowerCase();
  return { certPem, keyPem, fingerprint };
}

async function selfSignedCa(name: string): Promise<{ issued: Issued; keys: CryptoKeyPair; cert: x509.X509Certificate }> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name}`,
    keys,
    signingAlgorithm: alg,
    notBefore: new Date(Date.now() - 60_000),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { issued: await toIssued(cert, keys), keys, cert };
}

async function leaf(
  issuer: { keys: CryptoKeyPair; cert: x509.X509Certificate },
  subject: string,
  usage: 'server' | 'client',
): Promise<Issued> {
  const keys = await keyPair();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false),
    new x509.ExtendedKeyUsageExtension([usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
  ];
  if (usage === 'server') {
    extensions.push(new x509.SubjectAlternativeNameExtension([
      { type: 'ip', value: '127.0.0.1' },
      { type: 'dns', value: 'localhost' },
    ]));
  }
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${subject}`,
    issuer: issuer.cert.subject,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: alg,
    notBefore: new Date(Date.now() - 60_000),
    extensions,
  });
  return toIssued(cert, keys);
}

export async function createTestPki(): Promise<TestPki> {
  const ca = await selfSignedCa('ARRA test device CA');
  const strangerCa = await selfSignedCa('Stranger CA');
  return {
    ca: ca.issued,
    server: await leaf(ca, 'localhost', 'server'),
    device: await leaf(ca, 'dev-tls-1', 'client'),
    stranger: await leaf(strangerCa, 'dev-tls-1', 'client'),
  };
}

/** Writes PEMs to a temporary directory (for mosquitto_pub and file-based config); removed by `cleanup`. */
export function writePkiFiles(pki: TestPki): { dir: string; path: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'arra-pki-'));
  for (const [name, issued] of Object.entries(pki)) {
    writeFileSync(join(dir, `${name}.crt`), issued.certPem);
    writeFileSync(join(dir, `${name}.key`), issued.keyPem, { mode: 0o600 });
  }
  return { dir, path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
