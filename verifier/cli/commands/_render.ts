/**
 * Human renderings of the admin API's records, shared by the commands that print the same kind of
 * thing (a device from `add`, `show`, `disable`; a rule from `add` and `list`).
 */
import type { AclSubject } from '../../../schemas/acl.js';
import type { Credential, Device, Group, Rule, SigningKeyInfo } from '../../../schemas/admin.js';
import { formatRecord, formatTable, list, when, yesNo, type Column } from '../_output.js';

type Pairs = Array<readonly [string, string | undefined]>;

export function devicePairs(device: Device): Pairs {
  const attributes = Object.entries(device.attributes).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return [
    ['id', device.id],
    ['enabled', device.enabled ? 'yes' : `no${device.disabledReason ? ` (${device.disabledReason})` : ''}`],
    ['groups', list(device.groups)],
    ['superuser', yesNo(device.superuser)],
    ['clientid-match', yesNo(device.requireClientIdMatch)],
    ['attributes', list(attributes)],
    ['created', when(device.createdAt)],
    ['updated', when(device.updatedAt)],
  ];
}

export function deviceRecord(device: Device): string {
  return formatRecord(devicePairs(device));
}

export const deviceColumns: ReadonlyArray<Column<Device>> = [
  { header: 'id', value: (d) => d.id },
  { header: 'enabled', value: (d) => yesNo(d.enabled) },
  { header: 'groups', value: (d) => list(d.groups) },
  { header: 'superuser', value: (d) => yesNo(d.superuser) },
  { header: 'created', value: (d) => when(d.createdAt) },
];

export const credentialColumns: ReadonlyArray<Column<Credential>> = [
  { header: 'credential', value: (c) => c.id },
  { header: 'kind', value: (c) => c.kind },
  { header: 'revoked', value: (c) => yesNo(c.revoked) },
  { header: 'not after', value: (c) => when(c.notAfter) },
  { header: 'fingerprint', value: (c) => c.fingerprint ?? '-' },
];

export function credentialPairs(credential: Credential): Pairs {
  return [
    ['credential', credential.id],
    ['device', credential.deviceId],
    ['kind', credential.kind],
    ['revoked', yesNo(credential.revoked)],
    ['not after', when(credential.notAfter)],
    ['fingerprint', credential.fingerprint],
    ['subject', credential.subject ?? undefined],
  ];
}

export function credentialRecord(credential: Credential): string {
  return formatRecord(credentialPairs(credential));
}

export function subjectText(subject: AclSubject): string {
  if (subject.kind === 'device') return `device:${subject.id}`;
  if (subject.kind === 'group') return `group:${subject.name}`;
  return subject.kind;
}

export const ruleColumns: ReadonlyArray<Column<Rule>> = [
  { header: 'id', value: (r) => String(r.id) },
  { header: 'priority', value: (r) => String(r.priority) },
  { header: 'subject', value: (r) => subjectText(r.subject) },
  { header: 'action', value: (r) => r.action },
  { header: 'permission', value: (r) => r.permission },
  { header: 'qos', value: (r) => (r.qos ? r.qos.join(',') : '*') },
  { header: 'retain', value: (r) => (r.retain === null ? '*' : String(r.retain)) },
  { header: 'topic', value: (r) => (r.eq ? `${r.topic} (literal)` : r.topic) },
];

export function rulesTable(rules: readonly Rule[]): string {
  return formatTable(rules, ruleColumns);
}

export const groupColumns: ReadonlyArray<Column<Group>> = [
  { header: 'name', value: (g) => g.name },
  { header: 'issuer', value: (g) => g.externalIssuer?.issuer ?? '-' },
  { header: 'jwks url', value: (g) => g.externalIssuer?.jwksUrl ?? '-' },
  { header: 'algorithms', value: (g) => list(g.externalIssuer?.algorithms) },
  { header: 'description', value: (g) => g.description ?? '-' },
];

export const keyColumns: ReadonlyArray<Column<SigningKeyInfo>> = [
  { header: 'kid', value: (k) => k.kid },
  { header: 'alg', value: (k) => k.alg },
  { header: 'status', value: (k) => k.status },
  { header: 'created', value: (k) => when(k.createdAt) },
  { header: 'retired', value: (k) => when(k.retiredAt) },
];
