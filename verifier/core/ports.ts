/**
 * Ports: what the core needs from outside (interfaces it calls) and the records they hand it. The
 * registry's reads are synchronous (the decision path; SQLite answers at once); network I/O is async.
 *
 * @module verifier/core/ports
 */
import type { AclAction, AclSubject, Change, Permission } from '../../schemas/index.js';

/** The slice of pino the core uses (pino's logger satisfies it). */
export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}


export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** A stored ACL rule. `topic` may hold `${clientid}`, `${username}` and `${device}` placeholders. */
export interface AclRule {
  id: number;
  subject: AclSubject;
  action: AclAction;
  topic: string;
  eq: boolean;
  qos: Array<0 | 1 | 2> | null;
  retain: boolean | null;
  permission: Permission;
  priority: number;
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
