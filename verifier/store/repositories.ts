/**
 * What a registry store implements: the core's read port (`RegistryStore`) and one repository per
 * table group for the admin use cases (`verifier/admin`). Repositories read and write rows only: no
 * input validation, hashing, key generation or signing. Every write method is one transaction, checks
 * the uniqueness and existence rules named on it, and announces its changes after commit.
 *
 * Admin methods return promises although SQLite answers synchronously: a PostgreSQL store cannot.
 * An `update` takes a pure merge function, run inside the write transaction on the current row.
 *
 * @module verifier/store/repositories
 */
import type { JWK } from 'jose';
import type { z } from 'zod';
import type { AclSubject } from '../../schemas/acl.js';
import type {
  Credential,
  Device,
  DeviceCreate,
  DeviceDetail,
  DeviceListQuery,
  DevicePage,
  Group,
  GroupCreate,
  ImportConflictPolicy,
  ImportDevice,
  ImportResult,
  Rule,
  RuleCreate,
  SigningAlg,
  SigningKeyInfo,
  Token,
} from '../../schemas/admin.js';
import type { DeviceCaPems } from '../ca/index.js';
import type { Change, RegistryStore } from '../core/index.js';

export type DeviceValues = z.output<typeof DeviceCreate>;
export type DeviceQuery = z.output<typeof DeviceListQuery>;
export type GroupValues = z.output<typeof GroupCreate>;
export type RuleValues = z.output<typeof RuleCreate>;
export type ImportDeviceValues = z.output<typeof ImportDevice>;

export interface DeviceRepository {
  exists(id: string): Promise<boolean>;
  /** `conflict` when the id exists; groups named are created on first use. */
  create(device: DeviceValues): Promise<Device>;
  /** Keyset paging by id: `nextCursor` is null on the last page. */
  page(query: DeviceQuery): Promise<DevicePage>;
  detail(id: string): Promise<DeviceDetail>;
  update(id: string, merge: (current: Device) => Omit<DeviceValues, 'id'>): Promise<Device>;
  /** Cascades to the device's credentials, tokens and device-subject rules. */
  remove(id: string): Promise<void>;
}

export type NewCredential =
  | { kind: 'password'; hash: string; notAfter: number | null }
  | { kind: 'x509'; fingerprint: string; subject: string | null; notAfter: number | null };

export interface CredentialRepository {
  list(deviceId: string): Promise<Credential[]>;
  /** `not_found` for an unknown device, `conflict` for a fingerprint already registered. */
  add(deviceId: string, credential: NewCredential): Promise<Credential>;
  /** Keeps the row (the decision says `revoked`); revoking twice is not an error. */
  revoke(deviceId: string, credentialId: string): Promise<Credential>;
}

export interface TokenRepository {
  /** `expiresAt` in unix seconds, the token's `exp`. */
  record(deviceId: string, token: { jti: string; expiresAt: number | null }): Promise<Token>;
  list(deviceId: string): Promise<Token[]>;
  revoke(jti: string): Promise<Token>;
}

export interface GroupRepository {
  create(group: GroupValues): Promise<Group>;
  list(): Promise<Group[]>;
  get(name: string): Promise<Group>;
  update(name: string, merge: (current: Group) => Omit<GroupValues, 'name'>): Promise<Group>;
  /** Drops the group's memberships and rules. */
  remove(name: string): Promise<void>;
}

export interface RuleRepository {
  /** A device subject must exist; a group subject is created on first use. */
  create(rule: RuleValues): Promise<Rule>;
  list(subject?: AclSubject): Promise<Rule[]>;
  get(id: number): Promise<Rule>;
  update(id: number, merge: (current: RuleValues) => RuleValues): Promise<Rule>;
  remove(id: number): Promise<void>;
}

/** A signing key as stored: JWKs as generated. */
export interface StoredSigningKey {
  kid: string;
  alg: SigningAlg;
  status: SigningKeyInfo['status'];
  privateJwk: JWK;
  publicJwk: JWK;
}

export type NewSigningKey = Pick<StoredSigningKey, 'kid' | 'alg' | 'privateJwk' | 'publicJwk'>;

export interface SigningKeyRepository {
  list(): Promise<SigningKeyInfo[]>;
  /** Active and verifying keys, oldest first. */
  live(): Promise<StoredSigningKey[]>;
  get(kid: string): Promise<SigningKeyInfo>;
  /** Stores `key` as active unless some key is active already (a concurrent first start); says whether it did. */
  addFirst(key: NewSigningKey): Promise<boolean>;
  /** The active key becomes verifying, `key` active, in one transaction. */
  rotate(key: NewSigningKey): Promise<void>;
  /** `conflict` for the active key; a verifying key stops verifying (announced as `all`). */
  retire(kid: string): Promise<SigningKeyInfo>;
  /**
   * A store shared by replicas: `listener` runs when any replica wrote the keys, so each reloads its
   * ring. Absent where one process owns the store.
   */
  onChange?(listener: () => void): () => void;
}

export interface DeviceCaRepository {
  read(): Promise<DeviceCaPems | undefined>;
  /** Stores the CA unless one is stored already (a concurrent first start); says whether it did. */
  addFirst(pems: DeviceCaPems): Promise<boolean>;
}

/** An import row with its password already hashed. */
export type ImportRow = Omit<ImportDeviceValues, 'password'> & { passwordHash: string | null };

export interface ImportRepository {
  /**
   * Which rows (by index) `write` would touch: throws `conflict` for a row no policy resolves (an id
   * registered under `fail`, a fingerprint owned by another device); drops existing ids under `skip`.
   */
  plan(devices: readonly ImportDeviceValues[], onConflict: ImportConflictPolicy): Promise<number[]>;
  /**
   * All rows or none, in one transaction that re-checks each row as `plan` did. An aborted `signal`
   * writes nothing; a store whose transaction waits on I/O checks it between rows and before commit.
   */
  write(rows: ReadonlyArray<{ row: ImportRow; index: number }>, onConflict: ImportConflictPolicy, signal?: AbortSignal): Promise<ImportResult>;
}

export type RevisionListener = (change: Change, revision: number) => void;

/** The changes of a store shared by replicas, in one order with one revision all replicas agree on. */
export interface SharedRevisions {
  /** The last revision this replica shows. */
  readonly current: number;
  /** Each change once this replica shows it, in revision order. */
  onChange(listener: RevisionListener): () => void;
}

export interface Store extends RegistryStore {
  readonly devices: DeviceRepository;
  readonly credentials: CredentialRepository;
  readonly tokens: TokenRepository;
  readonly groups: GroupRepository;
  readonly rules: RuleRepository;
  readonly signingKeys: SigningKeyRepository;
  readonly deviceCa: DeviceCaRepository;
  readonly imports: ImportRepository;
  /** Present on a store shared by replicas: what `/v1/changes` serves so a revision means the same on each. */
  readonly revisions?: SharedRevisions;
  /** Throws when the registry cannot answer or its file was replaced (for `/healthz`). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
