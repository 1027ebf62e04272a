// What the core needs from outside. Registry reads are sync (the decision path); network I/O is async.
import type { AclAction, AclSubject, Change, Permission } from '../../schemas/index.js';

export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}


export interface Clock {
  now(): number; // ms since the epoch
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
  requireClientIdMatch: boolean;
  attributes: Record<string, unknown>;
  /** Tells this registration of the id from an earlier removed one: a broker's session belongs to one incarnation. */
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
  fingerprint: string; // SHA-256 of the DER, lowercase hex
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
  /** Rules that can apply to this device (or anonymous when null), in evaluation order (priority, then id). */
  rulesFor(device: DeviceRecord | null): readonly AclRule[];
  onChange(listener: (change: Change) => void): () => void;
}

/** The verifier's own signing keys: the public halves verify, the active private key signs. */
export interface KeyRing {
  verificationKey(kid: string): { alg: string; key: CryptoKey } | undefined;
  activeSigningKey(): { kid: string; alg: string; key: CryptoKey };
}

/** Resolves a key of an external issuer (fetched over HTTP, cached, refreshed on unknown kid). */
export interface ExternalKeyResolver {
  resolve(issuer: ExternalIssuer, header: { kid?: string; alg?: string }): Promise<CryptoKey | Uint8Array>;
}
