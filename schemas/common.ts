import { z } from 'zod';

/** Safe to substitute into topics; `.`/`..` refused as URL dot segments resolve away (RFC 3986 §5.2.4). */
export const IDENTIFIER_PATTERN = /^(?!\.\.?$)[A-Za-z0-9._-]{1,128}$/;
const IDENTIFIER_MESSAGE = 'must match [A-Za-z0-9._-]{1,128} and not be "." or ".."';

export const DeviceId = z.string().regex(IDENTIFIER_PATTERN, IDENTIFIER_MESSAGE);
export const GroupName = z.string().regex(IDENTIFIER_PATTERN, IDENTIFIER_MESSAGE);

/** SHA-256 of a certificate's DER: 64 lowercase hex digits (colons and upper case are normalised away). */
export const CertFingerprint = z
  .string()
  .transform((s) => s.replace(/:/g, '').toLowerCase())
  .pipe(z.string().regex(/^[0-9a-f]{64}$/, 'must be the SHA-256 of the DER: 64 hex digits'));

export const Qos = z.union([z.literal(0), z.literal(1), z.literal(2)]);
export type Qos = z.infer<typeof Qos>;

export const UnixSeconds = z.number().int().nonnegative();
