/**
 * @peculiar/x509 does its signing through a WebCrypto provider; ours is Node's, set once on import.
 */
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509, webcrypto };

export const subtle = webcrypto.subtle as unknown as SubtleCrypto;

/** ECDSA P-256 with SHA-256: the one CA algorithm every supported broker's TLS stack (OpenSSL, mbedTLS) verifies. */
export const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
export const ED25519 = { name: 'Ed25519' } as const;

/** A positive 128-bit serial: RFC 5280 §4.1.2.2 wants unique, at most 20 octets, non-negative. */
export function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

export function toPem(der: ArrayBuffer, label: 'PRIVATE KEY' | 'CERTIFICATE'): string {
  return x509.PemConverter.encode(der, label);
}
