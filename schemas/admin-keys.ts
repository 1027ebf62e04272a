import { z } from 'zod';
import { Timestamp } from './admin-common.js';

export const SigningAlg = z.enum(['EdDSA', 'ES256']);
export type SigningAlg = z.infer<typeof SigningAlg>;

/** active = signs new tokens; verifying = still accepted; retired = no longer accepted. */
export const SigningKeyInfo = z
  .object({
    kid: z.string(),
    alg: SigningAlg,
    status: z.enum(['active', 'verifying', 'retired']),
    createdAt: Timestamp,
    retiredAt: Timestamp.nullable(),
  })
  .strict();
export type SigningKeyInfo = z.infer<typeof SigningKeyInfo>;

export const KeyRotate = z.object({ alg: SigningAlg.default('EdDSA') }).strict();
export type KeyRotate = z.input<typeof KeyRotate>;

export const KeyParams = z.object({ kid: z.string().min(1).max(128) }).strict();
