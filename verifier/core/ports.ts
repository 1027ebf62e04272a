/**
 * What the decision core needs from the outside world. Everything stateful is injected through these
 * interfaces: the SQLite store implements the registry ports, tests may pass their own clock.
 * Registry reads are synchronous because better-sqlite3 is; anything that does network I/O is async.
 *
 * @module verifier/core/ports
 */
import type { AclRule, Change } from './types.js';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export interface DeviceRecord {
  id: string;
  groups: string[];
  enabled: boolean;
  disabledReason: string | null;
  superuser: boolean;
  /** The MQTT client id must equal the device id (default true). */
  requireClientIdMatch: boolean;
  attributes: Record<string, unknown>;
  /**
   * Distinguishes this registration of the id from an earlier one that was removed: what a broker
   * keeps for a device (its session) belongs to one incarnation.
   */
  incarnation: string;
}

interface CredentialBase {
  id: string;
  deviceId: string;
  /** Unix ms; null = does not expire. */
  notAfter: number | null;
  revoked: boolean;
}

/** A password secret, stored only as `scrypt$N$r$p$saltB64$hashB64`. */
export interface PasswordCredential extends CredentialBase {
  kind: 'password';
  hash: string;
}

export interface CertificateCredential extends CredentialBase {
  kind: 'x509';
  /** SHA-256 of the DER, lowercase hex. */
  fingerprint: string;
  /** Subject DN as issued/registered (RFC 4514 order, e.g. `CN=dev-042,O=Acme`), when known. */
  subject: string | null;
}

/** A token the verifier issued: kept so it can be revoked by `jti`. */
export interface TokenRecord extends CredentialBase {
  kind: 'jwt';
  jti: string;
}

/** A group may trust device tokens signed by another issuer (EMQX-style JWKS authentication). */
export interface ExternalIssuer {
  issuer: string;
  jwksUrl: string;
  audience: string | null;
  algorithms: string[];
}

export interface GroupRecord {
  name: string;
  externalIssuer: ExternalIssuer | null;
}

export interface RegistryStore {
  getDevice(id: string): DeviceRecord | undefined;
  getGroup(name: string): GroupRecord | undefined;
  /** Groups that trust an external issuer, keyed by that issuer's `iss`. */
  getGroupsByIssuer(issuer: string): GroupRecord[];
  listPasswordCredentials(deviceId: string): PasswordCredential[];
  listCertificates(deviceId: string): CertificateCredential[];
  findCertificate(fingerprint: string): CertificateCredential | undefined;
  getToken(jti: string): TokenRecord | undefined;
  /**
   * Every rule that can apply to this device (its own, its groups', everyone's), or to anonymous
   * clients when `device` is null, in evaluation order (priority ascending, then id ascending).
   */
  rulesFor(device: DeviceRecord | null): readonly AclRule[];
  /** Registers a listener for registry changes; returns the function that removes it. */
  onChange(listener: (change: Change) => void): () => void;
}

/** The verifier's own signing keys: the public halves verify, the active private key signs. */
export interface KeyRing {
  /** Public keys by kid, for verification and the JWKS. */
  verificationKey(kid: string): { alg: string; key: CryptoKey } | undefined;
  activeSigningKey(): { kid: string; alg: string; key: CryptoKey };
}

/** Resolves a key of an external issuer (fetched over HTTP, cached, refreshed on unknown kid). */
export interface ExternalKeyResolver {
  resolve(issuer: ExternalIssuer, header: { kid?: string; alg?: string }): Promise<CryptoKey | Uint8Array>;
}
