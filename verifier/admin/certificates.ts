import type { z } from 'zod';
import type { CertificateIssue, CertificateIssued } from '../../schemas/admin.js';
import { createDeviceCaPems, issueDeviceCertificate, loadDeviceCa, type DeviceCa } from '../ca/index.js';
import type { AdminContext } from './context.js';
import { requireDevice, type CredentialAdmin } from './credentials.js';

export type CertificateIssueValues = z.output<typeof CertificateIssue>;

export interface CertificateAdmin {
  /** PEM of the device CA certificate (`GET /ca.pem`): what brokers' TLS listeners trust for clients. */
  caCertificatePem(): string;
  issueCertificate(deviceId: string, options: CertificateIssueValues): Promise<CertificateIssued>;
}

export async function createCertificateAdmin(ctx: AdminContext, credentials: CredentialAdmin): Promise<CertificateAdmin> {
  const ca = await loadOrCreateCa(ctx);
  return {
    caCertificatePem: () => ca.certPem,
    async issueCertificate(deviceId, { days, keyAlg }) {
      await requireDevice(ctx.store.devices, deviceId);
      const issued = await issueDeviceCertificate(ca, deviceId, days, keyAlg, ctx.clock.now());
      const { fingerprint, subject, notAfter } = issued;
      const credential = await credentials.registerCertificate(deviceId, { fingerprint, subject, notAfter });
      return { credential, certPem: issued.certPem, keyPem: issued.keyPem, caPem: ca.certPem };
    },
  };
}

/** A concurrent first start that stored a CA already wins. */
async function loadOrCreateCa({ store: { deviceCa }, clock, logger }: AdminContext): Promise<DeviceCa> {
  let pems = await deviceCa.read();
  if (!pems) {
    if (await deviceCa.addFirst(await createDeviceCaPems(clock.now()))) logger?.info({}, 'first start: device CA created');
    pems = (await deviceCa.read())!;
  }
  return loadDeviceCa(pems);
}
