import { z } from 'zod';
import { CertFingerprint, DeviceId, GroupName } from './common.js';
import { Timestamp } from './admin-common.js';


/** Free-form device attributes, kept small: they ride along in every cached device record. */
export const Attributes = z
  .record(z.string(), z.unknown())
  .refine((a) => JSON.stringify(a).length <= 16_384, 'must serialise to at most 16384 bytes of JSON');

export const GroupList = z
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
const IdFragment = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'must match [A-Za-z0-9._-]{1,128}');

export const DeviceListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: DeviceId.optional(),
    group: GroupName.optional(),
    prefix: IdFragment.optional(),
    /** Ids that contain it anywhere. */
    search: IdFragment.optional(),
    enabled: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  })
  .strict();
export type DeviceListQuery = z.input<typeof DeviceListQuery>;

export const DevicePage = z.object({ items: z.array(Device), nextCursor: DeviceId.nullable() }).strict();
export type DevicePage = z.infer<typeof DevicePage>;

export const DeviceParams = z.object({ id: DeviceId }).strict();

/** A registered credential as an operator sees it: never the secret or its hash. */
export const Credential = z
  .object({
    id: z.string(),
    deviceId: DeviceId,
    kind: z.enum(['password', 'x509']),
    notAfter: Timestamp.nullable(),
    revoked: z.boolean(),
    createdAt: Timestamp,
    fingerprint: z.string().optional(),
    /** x509 only, when known (RFC 4514, e.g. `CN=dev-042,O=Acme`). */
    subject: z.string().nullable().optional(),
  })
  .strict();
export type Credential = z.infer<typeof Credential>;

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
    /** Fingerprint, subject and notAfter are read from it. */
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

export const TokenIssue = z
  .object({ ttlSeconds: z.number().int().min(60).max(366 * 24 * 3600).default(3600) })
  .strict();
export type TokenIssue = z.input<typeof TokenIssue>;

export const TokenIssued = z.object({ token: z.string(), jti: z.string(), expiresAt: Timestamp }).strict();
export type TokenIssued = z.infer<typeof TokenIssued>;

/** The token itself is not kept. */
export const Token = z
  .object({ jti: z.string(), deviceId: DeviceId, expiresAt: Timestamp.nullable(), revoked: z.boolean(), createdAt: Timestamp })
  .strict();
export type Token = z.infer<typeof Token>;

export const TokenParams = z.object({ jti: z.string().min(1).max(128) }).strict();
