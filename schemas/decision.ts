/**
 * The decision contract: what a broker (or an adapter on its behalf) asks, and what the verifier
 * answers. The native endpoints `/v1/authenticate` and `/v1/authorize` speak exactly this; the
 * in-process authorizer passes the same values without HTTP.
 *
 * @module schemas/decision
 */
import { z } from 'zod';
import { CertFingerprint, DeviceId, Qos, UnixSeconds } from './common.js';
import { CompiledAcl } from './acl.js';

/** Machine-readable reasons for a deny. Stable: logs, metrics and tests key on them. */
export const DenyReason = z.enum([
  'bad_credentials', // a password, token or certificate that does not verify
  'no_credentials', // nothing to check and anonymous access is off
  'unknown_device',
  'disabled',
  'expired', // token or certificate past its lifetime
  'not_yet_valid',
  'revoked', // this credential was revoked
  'clientid_mismatch',
  'acl_denied',
  'locked_out', // too many failures for this device or address
  'invalid_request', // an id or topic that can never be valid (wildcards in ids, ...)
  'not_authenticated', // an acl question about a client id whose authentication is not on record
]);
export type DenyReason = z.infer<typeof DenyReason>;

export const MqttProtocol = z.enum(['mqtt31', 'mqtt311', 'mqtt5']);
export type MqttProtocol = z.infer<typeof MqttProtocol>;

export const AuthenticateRequest = z
  .object({
    clientId: z.string().max(65535),
    username: z.string().max(65535).optional(),
    password: z.string().max(65535).optional(),
    /** SHA-256 of the client certificate the broker's TLS listener verified. */
    certFingerprint: CertFingerprint.optional(),
    /**
     * Subject DN of a client certificate verified by a broker that cannot give the fingerprint
     * (NanoMQ `%d`, EMQX `${cert_subject}`). Trusted only on routes configured to trust it.
     */
    certSubject: z.string().max(4096).optional(),
    peerAddress: z.string().max(128).optional(),
    protocol: MqttProtocol.optional(),
    /**
     * A re-check of a session the broker already admitted (after a registry change): not a login
     * attempt, so the brute-force lockout neither counts it nor refuses it.
     */
    recheck: z.boolean().optional(),
    /**
     * How long the caller waits for this answer, ms. A lockout wait that would not fit is answered at
     * once with `locked_out` (a deny), never left to time out, which a broker reads as an outage.
     */
    answerWithinMs: z.number().int().min(0).max(600_000).optional(),
  })
  .strict();
export type AuthenticateRequest = z.infer<typeof AuthenticateRequest>;

export const CredentialKind = z.enum(['jwt', 'x509', 'password', 'anonymous']);
export type CredentialKind = z.infer<typeof CredentialKind>;

export const AuthenticateAllow = z
  .object({
    allow: z.literal(true),
    /** null for an anonymous client (when the operator allows them). */
    deviceId: DeviceId.nullable(),
    /**
     * Which registration of `deviceId` this is (null for anonymous): a device removed and created
     * again under the same id has a new one, so it inherits nothing kept for the old one (a session).
     */
    incarnation: z.string().min(1).max(64).nullable(),
    superuser: z.boolean(),
    groups: z.array(z.string()),
    credential: z.object({ kind: CredentialKind, id: z.string().optional() }).strict(),
    /** When the credential stops being valid (unix seconds); null = no expiry. */
    expiresAt: UnixSeconds.nullable(),
    acl: CompiledAcl,
  })
  .strict();
export type AuthenticateAllow = z.infer<typeof AuthenticateAllow>;

export const Deny = z
  .object({
    allow: z.literal(false),
    reason: DenyReason,
    /** For logs and operators; never shown to devices. */
    message: z.string().optional(),
  })
  .strict();
export type Deny = z.infer<typeof Deny>;

export const AuthenticateDecision = z.discriminatedUnion('allow', [AuthenticateAllow, Deny]);
export type AuthenticateDecision = z.infer<typeof AuthenticateDecision>;

export const AuthorizeAction = z.enum(['publish', 'subscribe']);
export type AuthorizeAction = z.infer<typeof AuthorizeAction>;

/**
 * The decision is made for the identity this client id last authenticated as through the same caller
 * (`POST /v1/authenticate` records it); a client id with no such record is denied `not_authenticated`.
 * `username` and `deviceId`, when given, must agree with that record; they never choose the identity.
 */
export const AuthorizeRequest = z
  .object({
    deviceId: DeviceId.optional(),
    clientId: z.string().max(65535),
    username: z.string().max(65535).optional(),
    action: AuthorizeAction,
    /** A topic name for publish, a topic filter for subscribe. */
    topic: z.string().min(1).max(65535),
    qos: Qos.optional(),
    retain: z.boolean().optional(),
  })
  .strict();
export type AuthorizeRequest = z.infer<typeof AuthorizeRequest>;

export const AuthorizeAllow = z.object({ allow: z.literal(true), superuser: z.boolean() }).strict();
export const AuthorizeDecision = z.discriminatedUnion('allow', [AuthorizeAllow, Deny]);
export type AuthorizeDecision = z.infer<typeof AuthorizeDecision>;

/**
 * What one identity may do now, asked without a credential: a broker keeping state for an identity
 * that is not connected (a stored session after a registry change, a delayed will) needs its rights
 * of the moment. The identity is one registration of a device (`deviceId` with its `incarnation`, as an
 * allow returned them) or the anonymous identity (`deviceId: null`). `clientId` and `username` are
 * the values the ACL placeholders take (the username only ever names the device itself).
 */
export const RightsRequest = z
  .object({
    deviceId: DeviceId.nullable(),
    incarnation: z.string().min(1).max(64).nullable(),
    clientId: z.string().max(65535),
    username: z.string().max(65535).optional(),
  })
  .strict();
export type RightsRequest = z.infer<typeof RightsRequest>;

/** Allowed to exist: enabled, the same registration; with its compiled ACL. */
export const RightsAllow = z.object({ allow: z.literal(true), superuser: z.boolean(), acl: CompiledAcl }).strict();
export type RightsAllow = z.infer<typeof RightsAllow>;
/** A deny is `unknown_device` (removed, or removed and created again), `disabled`, or `no_credentials` (anonymous access is off). */
export const RightsDecision = z.discriminatedUnion('allow', [RightsAllow, Deny]);
export type RightsDecision = z.infer<typeof RightsDecision>;

/** What changed in the registry, so caches and connected sessions can be re-checked. */
export const Change = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('device'), deviceId: DeviceId }).strict(),
  z.object({ kind: z.literal('all') }).strict(),
]);
export type Change = z.infer<typeof Change>;
