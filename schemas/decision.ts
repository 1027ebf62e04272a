/** The decision contract between a broker (or adapter) and the verifier; HTTP and in-process alike. */
import { z } from 'zod';
import { CertFingerprint, DeviceId, Qos, UnixSeconds } from './common.js';
import { CompiledAcl } from './acl.js';

/** Machine-readable reasons for a deny. Stable: logs, metrics and tests key on them. */
export const DenyReason = z.enum([
  'bad_credentials', // a password, token or certificate that does not verify
  'no_credentials', // nothing to check and anonymous access is off
  'unknown_device',
  'disabled',
  'expired',
  'not_yet_valid',
  'revoked',
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
    /** A subject DN from brokers that cannot give the fingerprint (NanoMQ `%d`); trusted only where configured. */
    certSubject: z.string().max(4096).optional(),
    peerAddress: z.string().max(128).optional(),
    protocol: MqttProtocol.optional(),
    /** A re-check of an admitted session: the lockout neither counts nor refuses it. */
    recheck: z.boolean().optional(),
    /** A lockout wait longer than this is answered `locked_out` at once: a timeout reads as an outage. */
    answerWithinMs: z.number().int().min(0).max(600_000).optional(),
  })
  .strict();
export type AuthenticateRequest = z.infer<typeof AuthenticateRequest>;

export const CredentialKind = z.enum(['jwt', 'x509', 'password', 'anonymous']);
export type CredentialKind = z.infer<typeof CredentialKind>;

export const AuthenticateAllow = z
  .object({
    allow: z.literal(true),
    /** null for an anonymous client. */
    deviceId: DeviceId.nullable(),
    /** A device re-created under the same id gets a new one and inherits nothing (a session). */
    incarnation: z.string().min(1).max(64).nullable(),
    superuser: z.boolean(),
    groups: z.array(z.string()),
    credential: z.object({ kind: CredentialKind, id: z.string().optional() }).strict(),
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

/** Most CONNECTs one batch carries: a storm's round trips cut a hundredfold, the body still bounded. */
export const AUTHENTICATE_BATCH_MAX = 256;

/** Concurrent CONNECT decisions in one request (`POST /v1/authenticate/batch`), each decided on its own. */
export const AuthenticateBatchRequest = z
  .object({ requests: z.array(AuthenticateRequest).min(1).max(AUTHENTICATE_BATCH_MAX) })
  .strict();
export type AuthenticateBatchRequest = z.infer<typeof AuthenticateBatchRequest>;

/**
 * One line of the batch's answer (NDJSON), written as soon as that decision is made, so a slow one (a
 * lockout wait, a scrypt) holds up no other: the decision for `requests[index]`, or `unavailable` where
 * the verifier could not decide it (what the single route answers 503). Blank lines carry nothing: the
 * answer begins with one when no decision could be made at once.
 */
export const AuthenticateBatchLine = z.union([
  z.object({ index: z.number().int().min(0), decision: AuthenticateDecision }).strict(),
  z.object({ index: z.number().int().min(0), unavailable: z.literal(true) }).strict(),
]);
export type AuthenticateBatchLine = z.infer<typeof AuthenticateBatchLine>;

export const AuthorizeAction = z.enum(['publish', 'subscribe']);
export type AuthorizeAction = z.infer<typeof AuthorizeAction>;

/** Decided for the identity this client id last authenticated as; `username`/`deviceId` never choose it. */
export const AuthorizeRequest = z
  .object({
    deviceId: DeviceId.optional(),
    clientId: z.string().max(65535),
    username: z.string().max(65535).optional(),
    action: AuthorizeAction,
    topic: z.string().min(1).max(65535),
    qos: Qos.optional(),
    retain: z.boolean().optional(),
  })
  .strict();
export type AuthorizeRequest = z.infer<typeof AuthorizeRequest>;

export const AuthorizeAllow = z.object({ allow: z.literal(true), superuser: z.boolean() }).strict();
export const AuthorizeDecision = z.discriminatedUnion('allow', [AuthorizeAllow, Deny]);
export type AuthorizeDecision = z.infer<typeof AuthorizeDecision>;

/** Current rights of an identity that is not connected (a stored session, a delayed will), no credential. */
export const RightsRequest = z
  .object({
    deviceId: DeviceId.nullable(),
    incarnation: z.string().min(1).max(64).nullable(),
    clientId: z.string().max(65535),
    username: z.string().max(65535).optional(),
  })
  .strict();
export type RightsRequest = z.infer<typeof RightsRequest>;

export const RightsAllow = z.object({ allow: z.literal(true), superuser: z.boolean(), acl: CompiledAcl }).strict();
export type RightsAllow = z.infer<typeof RightsAllow>;
export const RightsDecision = z.discriminatedUnion('allow', [RightsAllow, Deny]);
export type RightsDecision = z.infer<typeof RightsDecision>;

export const Change = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('device'), deviceId: DeviceId }).strict(),
  z.object({ kind: z.literal('all') }).strict(),
]);
export type Change = z.infer<typeof Change>;
