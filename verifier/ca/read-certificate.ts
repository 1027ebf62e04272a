/** What the registry keeps of a certificate: fingerprint, subject in RFC 4514 order, end of validity. */
import { X509Certificate } from 'node:crypto';
import { certFingerprint } from '../core/index.js';

export interface CertificateFacts {
  fingerprint: string;
  subject: string;
  /** Unix ms. */
  notAfter: number;
}

/** Throws on text that is not one PEM (or DER) certificate. */
export function readCertificate(pem: string): CertificateFacts {
  const cert = new X509Certificate(pem);
  return {
    fingerprint: certFingerprint(pem),
    // Node lists the RDNs one per line in encoding order (C, O, ..., CN); RFC 4514 writes them reversed.
    subject: cert.subject.split('\n').filter(Boolean).reverse().join(','),
    notAfter: Date.parse(cert.validTo),
  };
}
