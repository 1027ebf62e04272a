/**
 * The core's read port (`RegistryStore` minus `onChange`): the decision path on a cache miss, so
 * every statement is prepared once.
 *
 * @module verifier/store/registry-reads
 */
import type { Database } from 'better-sqlite3';
import type { RegistryStore } from '../core/index.js';
import {
  DEVICE_COLUMNS,
  toAclRule,
  toCertificateCredential,
  toDeviceRecord,
  toGroupRecord,
  toPasswordCredential,
  toTokenRecord,
  type CredentialRow,
  type DeviceRow,
  type GroupRow,
  type RuleRow,
  type TokenRow,
} from './rows.js';

export type RegistryReads = Omit<RegistryStore, 'onChange'>;

export function createRegistryReads(db: Database): RegistryReads {
  const device = db.prepare(`SELECT ${DEVICE_COLUMNS} FROM devices d WHERE d.id = ?`);
  const group = db.prepare('SELECT * FROM groups WHERE name = ?');
  const groupsByIssuer = db.prepare('SELECT * FROM groups WHERE ext_issuer = ? ORDER BY name');
  const credentials = db.prepare('SELECT * FROM credentials WHERE device_id = ? AND kind = ? ORDER BY created_at, id');
  const certificate = db.prepare('SELECT * FROM credentials WHERE fingerprint = ?');
  const token = db.prepare('SELECT * FROM tokens WHERE jti = ?');
  // The groups come from the record the core holds, not from device_groups: a device admitted through
  // an external issuer's group may exist only in that record.
  const deviceRules = db.prepare(`SELECT * FROM acl_rules
    WHERE device_id = @id OR group_name IN (SELECT value FROM json_each(@groups)) OR subject_kind = 'all'
    ORDER BY priority, id`);
  const anonymousRules = db.prepare(`SELECT * FROM acl_rules WHERE subject_kind = 'anonymous' ORDER BY priority, id`);

  return {
    getDevice(id) {
      const row = device.get(id) as DeviceRow | undefined;
      return row && toDeviceRecord(row);
    },
    getGroup(name) {
      const row = group.get(name) as GroupRow | undefined;
      return row && toGroupRecord(row);
    },
    getGroupsByIssuer(issuer) {
      return (groupsByIssuer.all(issuer) as GroupRow[]).map(toGroupRecord);
    },
    listPasswordCredentials(deviceId) {
      return (credentials.all(deviceId, 'password') as CredentialRow[]).map(toPasswordCredential);
    },
    listCertificates(deviceId) {
      return (credentials.all(deviceId, 'x509') as CredentialRow[]).map(toCertificateCredential);
    },
    findCertificate(fingerprint) {
      const row = certificate.get(fingerprint.replace(/:/g, '').toLowerCase()) as CredentialRow | undefined;
      return row && toCertificateCredential(row);
    },
    getToken(jti) {
      const row = token.get(jti) as TokenRow | undefined;
      return row && toTokenRecord(row);
    },
    rulesFor(record) {
      const rows = record
        ? deviceRules.all({ id: record.id, groups: JSON.stringify(record.groups) })
        : anonymousRules.all();
      return (rows as RuleRow[]).map(toAclRule);
    },
  };
}
