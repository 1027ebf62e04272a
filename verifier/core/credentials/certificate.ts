import { commonNameFromSubject, subjectsEqual } from '../dn.js';
import { isDeviceName } from '../identifiers.js';
import type { CertificateCredential } from '../ports.js';
import { fingerprintsEqual } from '../x509.js';
import { isPast, refuse, toUnixSeconds, type CredentialContext, type CredentialOutcome } from './outcome.js';

const FINGERPRINT = /^[0-9a-f]{64}$/;

function identified(cert: CertificateCredential): CredentialOutcome {
  return { ok: true, deviceId: cert.deviceId, credential: { kind: 'x509', id: cert.id }, expiresAt: toUnixSeconds(cert.notAfter) };
}

/** The registry's usability verdict on a certificate that was found. */
function usable(cert: CertificateCredential, now: number): CredentialOutcome {
  if (cert.revoked) return refuse('revoked', 'certificate revoked');
  if (isPast(cert.notAfter, now)) return refuse('expired', 'certificate expired');
  return identified(cert);
}

export function checkCertificateFingerprint(ctx: CredentialContext, presented: string): CredentialOutcome {
  // In-process callers may skip the schema's normalisation: do it again.
  const fingerprint = presented.replace(/:/g, '').toLowerCase();
  if (!FINGERPRINT.test(fingerprint)) return refuse('invalid_request', 'certFingerprint is not 64 hex digits');
  const cert = ctx.registry.findCertificate(fingerprint);
  if (!cert || !fingerprintsEqual(cert.fingerprint, fingerprint)) return refuse('bad_credentials', 'unknown certificate');
  return usable(cert, ctx.clock.now());
}

/** The CN names the device, which must hold a certificate registered with this subject; the newest wins. */
export function checkCertificateSubject(ctx: CredentialContext, subject: string): CredentialOutcome {
  const cn = commonNameFromSubject(subject);
  if (cn === undefined || !isDeviceName(cn)) return refuse('bad_credentials', 'certSubject has no single CN naming a device');
  const matching = ctx.registry.listCertificates(cn).filter((c) => c.subject !== null && subjectsEqual(c.subject, subject));
  if (matching.length === 0) return refuse('bad_credentials', 'no certificate registered with this subject');
  const now = ctx.clock.now();
  const verdicts = matching.map((cert) => usable(cert, now));
  const ok = verdicts.filter((v) => v.ok).sort((a, b) => (b.expiresAt ?? Infinity) - (a.expiresAt ?? Infinity));
  return ok[0] ?? verdicts[0]!;
}
