/**
 * The SQLite store's read code over a replica's mirror: the core's read port and the admin views.
 *
 * @module verifier/store/postgres/mirrored
 */
import type Database from 'better-sqlite3';
import type { StoreContext } from '../context.js';
import { createCredentialRepository } from '../credentials.js';
import { createDeviceRepository } from '../devices.js';
import { createGroupRepository } from '../groups.js';
import { createLookups } from '../lookups.js';
import { createRegistryReads, type RegistryReads } from '../registry-reads.js';
import type { CredentialRepository, DeviceRepository, GroupRepository, RuleRepository, TokenRepository } from '../repositories.js';
import { createRuleRepository } from '../rules.js';
import { createTokenRepository } from '../tokens.js';

export interface Mirrored {
  reads: RegistryReads;
  devices: DeviceRepository;
  credentials: CredentialRepository;
  tokens: TokenRepository;
  groups: GroupRepository;
  rules: RuleRepository;
}

const readOnly = {
  write(): never {
    throw new Error('the registry mirror is read-only: write to PostgreSQL');
  },
  onChange: () => () => false,
};

export function mirrored(db: Database.Database): Mirrored {
  const ctx: StoreContext = { db, writer: readOnly, now: Date.now, lookups: createLookups(db) };
  return {
    reads: createRegistryReads(db),
    devices: createDeviceRepository(ctx),
    credentials: createCredentialRepository(ctx),
    tokens: createTokenRepository(ctx),
    groups: createGroupRepository(ctx),
    rules: createRuleRepository(ctx),
  };
}
