/**
 * Row shapes of the SQLite tables and their mapping to the core's records (unix ms) and to the admin
 * API's views (ISO timestamps, no secrets). The only place that knows both column names and wire names.
 *
 * @module verifier/store/rows
 */
import type { AclSubject } from '../../schemas/acl.js';
import type { Credential, Device, Group, Rule, Token } from '../../schemas/admin.js';
import type {
  AclRule,
  CertificateCredential,
  DeviceRecord,
  GroupRecord,
  PasswordCredential,
  TokenRecord,
} from '../core/index.js';

export interface DeviceRow {
  id: string;
  superuser: 0 | 1;
  require_client_id_match: 0 | 1;
  enabled: 0 | 1;
  disabled_reason: string | null;
  attributes: string;
  created_at: number;
  updated_at: number;
  incarnation: string;
  /** JSON array from the membership subquery. */
  groups: string;
}

export interface CredentialRow {
  id: string;
  device_id: string;
  kind: 'password' | 'x509';
  password_hash: string | null;
  fingerprint: string | null;
  subject: string | null;
  not_after: number | null;
  revoked_at: number | null;
  created_at: number;
}

export interface TokenRow {
  jti: string;
  device_id: string;
  expires_at: number | null;
  revoked_at: number | null;
  created_at: number;
}

export interface GroupRow {
  name: string;
  description: string | null;
  ext_issuer: string | null;
  ext_jwks_url: string | null;
  ext_audience: string | null;
  ext_algorithms: string | null;
  created_at: number;
}

export interface RuleRow {
  id: number;
  subject_kind: AclSubject['kind'];
  device_id: string | null;
  group_name: string | null;
  action: AclRule['action'];
  topic: string;
  eq: 0 | 1;
  qos: string | null;
  retain: 0 | 1 | null;
  permission: AclRule['permission'];
  priority: number;
  created_at: number;
}

/** Selects a device with its sorted group names folded into one JSON column. */
export const DEVICE_COLUMNS = `d.*, (SELECT json_group_array(group_name) FROM
  (SELECT group_name FROM device_groups WHERE device_id = d.id ORDER BY group_name)) AS groups`;

export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export function toDeviceRecord(row: DeviceRow): DeviceRecord {
  return {
    id: row.id,
    groups: JSON.parse(row.groups) as string[],
    enabled: row.enabled === 1,
    disabledReason: row.disabled_reason,
    superuser: row.superuser === 1,
    requireClientIdMatch: row.require_client_id_match === 1,
    attributes: JSON.parse(row.attributes) as Record<string, unknown>,
    incarnation: row.incarnation,
  };
}

export function toDeviceView(row: DeviceRow): Device {
  const { id, groups, enabled, disabledReason, superuser, requireClientIdMatch, attributes } = toDeviceRecord(row);
  return {
    id,
    groups,
    superuser,
    requireClientIdMatch,
    enabled,
    disabledReason,
    attributes,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

/** The fields every stored credential hands the decision core, whatever its kind. */
function credentialBase(row: CredentialRow) {
  return { id: row.id, deviceId: row.device_id, notAfter: row.not_after, revoked: row.revoked_at !== null };
}

export function toPasswordCredential(row: CredentialRow): PasswordCredential {
  return { kind: 'password', ...credentialBase(row), hash: row.password_hash! };
}

export function toCertificateCredential(row: CredentialRow): CertificateCredential {
  return { kind: 'x509', ...credentialBase(row), fingerprint: row.fingerprint!, subject: row.subject };
}

export function toCredentialView(row: CredentialRow): Credential {
  const view: Credential = {
    id: row.id,
    deviceId: row.device_id,
    kind: row.kind,
    notAfter: isoOrNull(row.not_after),
    revoked: row.revoked_at !== null,
    createdAt: iso(row.created_at),
  };
  if (row.kind === 'x509') Object.assign(view, { fingerprint: row.fingerprint!, subject: row.subject });
  return view;
}

export function toTokenRecord(row: TokenRow): TokenRecord {
  return { kind: 'jwt', id: row.jti, jti: row.jti, deviceId: row.device_id, notAfter: row.expires_at, revoked: row.revoked_at !== null };
}

export function toTokenView(row: TokenRow): Token {
  return {
    jti: row.jti,
    deviceId: row.device_id,
    expiresAt: isoOrNull(row.expires_at),
    revoked: row.revoked_at !== null,
    createdAt: iso(row.created_at),
  };
}

export function toGroupRecord(row: GroupRow): GroupRecord {
  return {
    name: row.name,
    externalIssuer:
      row.ext_issuer === null
        ? null
        : {
            issuer: row.ext_issuer,
            jwksUrl: row.ext_jwks_url!,
            audience: row.ext_audience,
            algorithms: JSON.parse(row.ext_algorithms!) as string[],
          },
  };
}

export function toGroupView(row: GroupRow): Group {
  return {
    name: row.name,
    description: row.description,
    externalIssuer: toGroupRecord(row).externalIssuer as Group['externalIssuer'],
    createdAt: iso(row.created_at),
  };
}

export function toSubject(row: RuleRow): AclSubject {
  switch (row.subject_kind) {
    case 'device':
      return { kind: 'device', id: row.device_id! };
    case 'group':
      return { kind: 'group', name: row.group_name! };
    default:
      return { kind: row.subject_kind };
  }
}

export function toAclRule(row: RuleRow): AclRule {
  return {
    id: row.id,
    subject: toSubject(row),
    action: row.action,
    topic: row.topic,
    eq: row.eq === 1,
    qos: row.qos === null ? null : (JSON.parse(row.qos) as Array<0 | 1 | 2>),
    retain: row.retain === null ? null : row.retain === 1,
    permission: row.permission,
    priority: row.priority,
  };
}

export function toRuleView(row: RuleRow): Rule {
  return { ...toAclRule(row), createdAt: iso(row.created_at) };
}
