/**
 * Certificate fingerprints: SHA-256 of the DER, lowercase hex, the form the registry stores and the
 * brokers' TLS listeners report. Exported from `verifier/core/index.ts`.
 */
import { X509Certificate, timingSafeEqual } from 'node:crypto';

/** Fingerprint of a certificate given as PEM text or DER bytes. Throws on anything that is not a certificate. */
export function certFingerprint(pemOrDer: string | Uint8Array): string {
  const cert = new X509Certificate(typeof pemOrDer === 'string' ? pemOrDer : Buffer.from(pemOrDer));
  return cert.fingerprint256.replace(/:/g, '').toLowerCase();
}

/** Constant-time equality of two fingerprints (hex; case and colons ignored). */
export function fingerprintsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a.replace(/:/g, '').toLowerCase(), 'utf8');
  const y = Buffer.from(b.replace(/:/g, '').toLowerCase(), 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
