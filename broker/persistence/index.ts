// Opens the store `ARRA_BROKER_DURABILITY` asks for: `broker.db` in the data directory, or none.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryStore } from './memory-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { BrokerStore, Durability } from './store.js';

export type { BrokerStore, DeliveryRecord, Durability, SessionRecord, StoredState, StoredSubscription, StoredWill } from './store.js';
export { MemoryStore } from './memory-store.js';
export { SqliteStore } from './sqlite-store.js';

export const STORE_FILE = 'broker.db';

export interface OpenStoreOptions {
  dataDir: string;
  durability: Durability;
  maxBytes: number;
  onError(err: unknown): void;
}

export function openBrokerStore({ dataDir, durability, maxBytes, onError }: OpenStoreOptions): BrokerStore {
  if (durability === 'memory') return new MemoryStore();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return new SqliteStore({ path: join(dataDir, STORE_FILE), durability, maxBytes, onError });
}
