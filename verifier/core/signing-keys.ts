/**
 * Fresh signing keys for the verifier's own tokens, in a form the store can persist (JWK, extractable).
 * Exported from `verifier/core/index.ts`.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

export type SigningAlg = 'EdDSA' | 'ES256';

export interface GeneratedSigningKey {
  /** The RFC 7638 thumbprint of the public key: stable, unique, derived rather than invented. */
  kid: string;
  alg: SigningAlg;
  privateJwk: JWK;
  publicJwk: JWK;
}

export async function generateSigningKey(alg: SigningAlg): Promise<GeneratedSigningKey> {
  const options = alg === 'EdDSA' ? { crv: 'Ed25519', extractable: true } : { extractable: true };
  const { privateKey, publicKey } = await generateKeyPair(alg, options);
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  const meta = { kid, alg, use: 'sig' };
  return { kid, alg, privateJwk: { ...(await exportJWK(privateKey)), ...meta }, publicJwk: { ...publicJwk, ...meta } };
}
