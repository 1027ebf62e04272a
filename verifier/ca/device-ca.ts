/** The device CA brokers' TLS listeners trust for clients; where its PEMs are kept is the store's business. */
import { EC_P256, randomSerial, subtle, toPem, x509 } from './crypto-provider.js';

const CA_NAME = 'CN=ARRA-MQ device CA';
const CA_LIFETIME_DAYS = 3650;
const DAY_MS = 86_400_000;

export interface DeviceCaPems {
  certPem: string;
  keyPem: string;
}

export interface DeviceCa {
  certPem: string;
  cert: x509.X509Certificate;
  privateKey: CryptoKey;
}

export async function createDeviceCaPems(now = Date.now()): Promise<DeviceCaPems> {
  return createCaPems(CA_NAME, now);
}

/** A self-signed P-256 CA that signs leaf certificates only (pathLen 0); the server CA is made alike. */
export async function createCaPems(name: string, now = Date.now()): Promise<DeviceCaPems> {
  const keys = (await subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name,
    // Backdated a minute: a broker whose clock runs slightly behind must not see a not-yet-valid CA.
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + CA_LIFETIME_DAYS * DAY_MS),
    keys,
    signingAlgorithm: EC_P256,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const keyPem = toPem(await subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  return { certPem: cert.toString('pem'), keyPem };
}

export async function loadDeviceCa(pems: DeviceCaPems): Promise<DeviceCa> {
  const cert = new x509.X509Certificate(pems.certPem);
  const der = x509.PemConverter.decodeFirst(pems.keyPem);
  const privateKey = await subtle.importKey('pkcs8', der, EC_P256, false, ['sign']);
  return { certPem: pems.certPem, cert, privateKey };
}
