/**
 * The device CA as the store keeps it (one row, private key PKCS#8 in the 0600 database) and the
 * admin operation that issues a device certificate and registers it as the device's x509 credential.
 *
 * @module verifier/store/certificates
 */
import { CertificateIssue, DeviceParams, type CertificateIssued } from '../../schemas/admin.js';
import { createDeviceCaPems, issueDeviceCertificate, loadDeviceCa, type DeviceCa, type DeviceCaPems } from '../ca/index.js';
import type { StoreContext } from './context.js';
import type { CredentialOps } from './credentials.js';
import { parseInput } from './validate.js';

export interface CertificateOps {
  /** PEM of the device CA certificate (`GET /ca.pem`): what brokers' TLS listeners trust for clients. */
  caCertificatePem(): string;
  issueCertificate(deviceId: string, input?: CertificateIssue): Promise<CertificateIssued>;
}

export async function createCertificateOps(ctx: StoreContext, credentials: CredentialOps): Promise<CertificateOps> {
  const { now, lookups } = ctx;
  const ca = await loadOrCreateCa(ctx);
  return {
    caCertificatePem: () => ca.certPem,
    async issueCertificate(deviceId, input = {}) {
      const { id } = parseInput(DeviceParams, { id: deviceId });
      const { days, keyAlg } = parseInput(CertificateIssue, input);
      lookups.requireDevice(id);
      const issued = await issueDeviceCertificate(ca, id, days, keyAlg, now());
      const { fingerprint, subject, notAfter } = issued;
      const credential = credentials.registerCertificate(id, { fingerprint, subject, notAfter });
      return { credential, certPem: issued.certPem, keyPem: issued.keyPem, caPem: ca.certPem };
    },
  };

}

/** First start creates the CA; a concurrent first start that stored one already wins. */
async function loadOrCreateCa({ db, writer, now, logger }: StoreContext): Promise<DeviceCa> {
  const read = db.prepare('SELECT cert_pem AS certPem, key_pem AS keyPem FROM device_ca WHERE id = 1');
  let pems = read.get() as DeviceCaPems | undefined;
  if (!pems) {
    const created = await createDeviceCaPems(now());
    writer.write(() => {
      const inserted = db
        .prepare('INSERT INTO device_ca (id, cert_pem, key_pem, created_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO NOTHING')
        .run(created.certPem, created.keyPem, now());
      if (inserted.changes > 0) logger?.info('first start: device CA created');
    });
    pems = read.get() as DeviceCaPems;
  }
  return loadDeviceCa(pems);
}
