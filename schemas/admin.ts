/**
 * Wire contracts of the admin API (`/v1/admin/...`): request bodies, query strings, path parameters and
 * responses. The HTTP routes validate with these, the CLI sends and reads them, and the store's admin
 * operations take and return exactly these types, so the three cannot drift apart.
 *
 * Conventions: timestamps are ISO 8601 strings (UTC on output); secrets (passwords, private keys, tokens)
 * appear only in the one response that creates them, never in a read.
 *
 * @module schemas/admin
 */
import { z } from 'zod';
import { AclAction, AclSubject, Permission } from './acl.js';
import { CertFingerprint, DeviceId, GroupName, IDENTIFIER_PATTERN, Qos } from './common.js';
import { isValidTopicFilter } from './topic.js';

/** ISO 8601 date-time; an offset is allowed on input, output is always `Z`. */
export const Timestamp = z.iso.datetime({ offset: true });

// ---------------------------------------------------------------------------------------------- errors

export const AdminErrorCode = z.enum(['validation', 'unauthorized', 'not_found', 'conflict']);
export type AdminErrorCode = z.infer<typeof AdminErrorCode>;

/** Every admin 4xx: a stable `code`, a message for humans and, for `validation`, the offending fields. */
export const AdminErrorBody = z
  .object({
    error: z
      .object({
        code: AdminErrorCode,
        message: z.string(),
        fields: z.array(z.object({ path: z.string(), message: z.string() }).strict()).optional(),
      })
      .strict(),
  })
  .strict();
export type AdminErrorBody = z.infer<typeof AdminErrorBody>;

// --------------------------------------------------------------------------------------------- devices

/** Free-form device attributes, kept small: they ride along in every cached device record. */
export const Attributes = z
  .record(z.string(), z.unknown())
  .refine((a) => JSON.stringify(a).length <= 16_384, 'must serialise to at most 16384 bytes of JSON');

const GroupList = z
  .array(GroupName)
  .max(64)
  .refine((g) => new Set(g).size === g.length, 'must not repeat a group');

export const DeviceCreate = z
  .object({
    id: DeviceId,
    groups: GroupList.default([]),
    superuser: z.boolean().default(false),
    requireClientIdMatch: z.boolean().default(true),
    enabled: z.boolean().default(true),
    disabledReason: z.string().max(512).nullable().default(null),
    attributes: Attributes.default({}),
  })
  .strict();
export type DeviceCreate = z.input<typeof DeviceCreate>;

/** Only the fields present change; `groups` replaces the whole membership list. */
export const DevicePatch = z
  .object({
    groups: GroupList.optional(),
    superuser: z.boolean().optional(),
    requireClientIdMatch: z.boolean().optional(),
    enabled: z.boolean().optional(),
    disabledReason: z.string().max(512).nullable().optional(),
    attributes: Attributes.optional(),
  })
  .strict();
export type DevicePatch = z.infer<typeof DevicePatch>;

export const Device = z
  .object({
    id: DeviceId,
    groups: z.array(GroupName),
    superuser: z.boolean(),
    requireClientIdMatch: z.boolean(),
    enabled: z.boolean(),
    disabledReason: z.string().nullable(),
    attributes: z.record(z.string(), z.unknown()),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .strict();
export type Device = z.infer<typeof Device>;

/** Keyset paging by id: `cursor` is the `nextCursor` of the previous page. */
export const DeviceListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: DeviceId.optional(),
    group: GroupName.optional(),
    prefix: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'must match [A-Za-z0-9._-]{1,128}').optional(),
  })
  .strict();
export type DeviceListQuery = z.input<typeof DeviceListQuery>;

export const DevicePage = z.object({ items: z.array(Device), nextCursor: DeviceId.nullable() }).strict();
export type DevicePage = z.infer<typeof DevicePage>;

export const DeviceParams = z.object({ id: DeviceId }).strict();

// ----------------------------------------------------------------------------------------- credentials

/** A registered credential as an operator sees it: never the secret or its hash. */
export const Credential = z
  .object({
    id: z.string(),
    deviceId: DeviceId,
    kind: z.enum(['password', 'x509']),
    notAfter: Timestamp.nullable(),
    revoked: z.boolean(),
    createdAt: Timestamp,
    /** x509 only. */
    fingerprint: z.string().optional(),
    /** x509 only, when known (RFC 4514, e.g. `CN=dev-042,O=Acme`). */
    subject: z.string().nullable().optional(),
  })
  .strict();
export type Credential = z.infer<typeof Credential>;

/** A device with everything registered for it (GET /devices/:id). */
export const DeviceDetail = Device.extend({ credentials: z.array(Credential) }).strict();
export type DeviceDetail = z.infer<typeof DeviceDetail>;

export const PasswordCredentialCreate = z
  .object({
    kind: z.literal('password'),
    /** Generated when absent and then returned once in the response. */
    secret: z.string().min(8).max(1024).optional(),
    notAfter: Timestamp.optional(),
  })
  .strict();

export const X509CredentialCreate = z
  .object({
    kind: z.literal('x509'),
    /** PEM of the device certificate: fingerprint, subject and notAfter are read from it. */
    certPem: z.string().max(65_536).optional(),
    fingerprint: CertFingerprint.optional(),
    notAfter: Timestamp.optional(),
  })
  .strict()
  .refine((b) => (b.certPem === undefined) !== (b.fingerprint === undefined), {
    message: 'give exactly one of certPem and fingerprint',
    path: ['certPem'],
  });

export const CredentialCreate = z.discriminatedUnion('kind', [PasswordCredentialCreate, X509CredentialCreate]);
export type CredentialCreate = z.infer<typeof CredentialCreate>;

/** `secret` is present only when the verifier generated it: this response is the only place it appears. */
export const CredentialCreated = z.object({ credential: Credential, secret: z.string().optional() }).strict();
export type CredentialCreated = z.infer<typeof CredentialCreated>;

export const CredentialParams = z.object({ id: DeviceId, credentialId: z.string().min(1).max(64) }).strict();

// -------------------------------------------------------------------------------------- certificates

export const CertificateKeyAlg = z.enum(['EC', 'Ed25519']);
export type CertificateKeyAlg = z.infer<typeof CertificateKeyAlg>;

export const CertificateIssue = z
  .object({
    days: z.number().int().min(1).max(3650).default(365),
    /** EC = ECDSA P-256, which every supported broker's TLS stack accepts. */
    keyAlg: CertificateKeyAlg.default('EC'),
  })
  .strict();
export type CertificateIssue = z.input<typeof CertificateIssue>;

/** `keyPem` is the device's private key (PKCS#8): returned once, never stored by the verifier. */
export const CertificateIssued = z
  .object({ credential: Credential, certPem: z.string(), keyPem: z.string(), caPem: z.string() })
  .strict();
export type CertificateIssued = z.infer<typeof CertificateIssued>;

// --------------------------------------------------------------------------------------------- tokens

export const TokenIssue = z
  .object({ ttlSeconds: z.number().int().min(60).max(366 * 24 * 3600).default(3600) })
  .strict();
export type TokenIssue = z.input<typeof TokenIssue>;

export const TokenIssued = z.object({ token: z.string(), jti: z.string(), expiresAt: Timestamp }).strict();
export type TokenIssued = z.infer<typeof TokenIssued>;

/** A token the verifier issued, as listed (the token itself is not kept). */
export const Token = z
  .object({ jti: z.string(), deviceId: DeviceId, expiresAt: Timestamp.nullable(), revoked: z.boolean(), createdAt: Timestamp })
  .strict();
export type Token = z.infer<typeof Token>;

export const TokenParams = z.object({ jti: z.string().min(1).max(128) }).strict();

// --------------------------------------------------------------------------------------------- groups

export const ExternalIssuerSchema = z
  .object({
    issuer: z.string().min(1).max(2048),
    jwksUrl: z.url({ protocol: /^https?$/ }),
    audience: z.string().min(1).max(2048).nullable().default(null),
    /** Pinned: a token signed with anything else is rejected. */
    algorithms: z.array(z.enum(['EdDSA', 'ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'])).min(1),
  })
  .strict();
export type ExternalIssuerInput = z.input<typeof ExternalIssuerSchema>;

export const GroupCreate = z
  .object({
    name: GroupName,
    description: z.string().max(1024).nullable().default(null),
    externalIssuer: ExternalIssuerSchema.nullable().default(null),
  })
  .strict();
export type GroupCreate = z.input<typeof GroupCreate>;

export const GroupPatch = z
  .object({
    description: z.string().max(1024).nullable().optional(),
    externalIssuer: ExternalIssuerSchema.nullable().optional(),
  })
  .strict();
export type GroupPatch = z.input<typeof GroupPatch>;

export const Group = z
  .object({
    name: GroupName,
    description: z.string().nullable(),
    externalIssuer: ExternalIssuerSchema.nullable(),
    createdAt: Timestamp,
  })
  .strict();
export type Group = z.infer<typeof Group>;

export const GroupParams = z.object({ name: GroupName }).strict();

// ---------------------------------------------------------------------------------------------- rules

const PLACEHOLDERS = new Set(['${clientid}', '${username}', '${device}']);

/**
 * An ACL rule topic: a valid topic filter in which `${clientid}`, `${username}` and `${device}` may
 * stand only as whole levels (so a substituted id can never merge with literal text into a wildcard).
 */
export function isValidRuleTopic(topic: string): boolean {
  for (const level of topic.split('/')) {
    if ((level.includes('${') || level.includes('}')) && !PLACEHOLDERS.has(level)) return false;
  }
  return isValidTopicFilter(topic);
}

/** `device:ID`, `group:NAME`, `all` or `anonymous`, as the list filter and the CLI write a subject. */
export const SubjectRef = z.string().transform((s, ctx): AclSubject => {
  if (s === 'all' || s === 'anonymous') return { kind: s };
  const [kind, name] = [s.slice(0, s.indexOf(':')), s.slice(s.indexOf(':') + 1)];
  if ((kind === 'device' || kind === 'group') && IDENTIFIER_PATTERN.test(name)) {
    return kind === 'device' ? { kind, id: name } : { kind, name };
  }
  ctx.addIssue({ code: 'custom', message: 'must be device:ID, group:NAME, all or anonymous' });
  return z.NEVER;
});

const RuleTopic = z
  .string()
  .min(1)
  .max(65535)
  .refine(isValidRuleTopic, 'must be a topic filter; ${clientid}, ${username}, ${device} only as whole levels');

const QosList = z
  .array(Qos)
  .min(1)
  .max(3)
  .refine((q) => new Set(q).size === q.length, 'must not repeat a QoS');

const RuleFields = {
  subject: AclSubject,
  action: AclAction,
  topic: RuleTopic,
  /** Match the topic as literal text (wildcards included) instead of as a filter. */
  eq: z.boolean(),
  /** null = any QoS. */
  qos: QosList.nullable(),
  /** null = either retain flag. */
  retain: z.boolean().nullable(),
  permission: Permission,
  /** Lower runs first; ties are broken by rule id. */
  priority: z.number().int().min(-1_000_000).max(1_000_000),
};

export const RuleCreate = z
  .object({
    ...RuleFields,
    eq: RuleFields.eq.default(false),
    qos: RuleFields.qos.default(null),
    retain: RuleFields.retain.default(null),
    priority: RuleFields.priority.default(0),
  })
  .strict();
export type RuleCreate = z.input<typeof RuleCreate>;

/** Only the fields present change (no defaults here: a patch must not reset what it does not name). */
export const RulePatch = z.object(RuleFields).partial().strict();
export type RulePatch = z.input<typeof RulePatch>;

export const Rule = z
  .object({
    id: z.number().int(),
    subject: AclSubject,
    action: AclAction,
    topic: z.string(),
    eq: z.boolean(),
    qos: z.array(Qos).nullable(),
    retain: z.boolean().nullable(),
    permission: Permission,
    priority: z.number().int(),
    createdAt: Timestamp,
  })
  .strict();
export type Rule = z.infer<typeof Rule>;

export const RuleListQuery = z.object({ subject: SubjectRef.optional() }).strict();
export type RuleListQuery = z.output<typeof RuleListQuery>;

export const RuleParams = z.object({ id: z.coerce.number().int().positive() }).strict();

// --------------------------------------------------------------------------------------------- import

export const ImportDevice = z
  .object({
    id: DeviceId,
    groups: GroupList.default([]),
    superuser: z.boolean().default(false),
    password: z.string().min(8).max(1024).optional(),
    certFingerprint: CertFingerprint.optional(),
    attributes: Attributes.default({}),
  })
  .strict();
export type ImportDevice = z.input<typeof ImportDevice>;

export const ImportBody = z.object({ devices: z.array(ImportDevice).min(1).max(100_000) }).strict();
export type ImportBody = z.input<typeof ImportBody>;

export const ImportResult = z.object({ created: z.number().int().nonnegative() }).strict();
export type ImportResult = z.infer<typeof ImportResult>;

// ----------------------------------------------------------------------------------------------- keys

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
