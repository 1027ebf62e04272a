/**
 * Test support for the admin use cases: the store of the current run (`testEachStore`: SQLite, or
 * PostgreSQL) in a temp directory with the use cases over it, closed after the test.
 *
 * @module verifier/admin/test/helpers
 */
import type { TestContext } from 'node:test';
import type { Store, StoreOptions } from '../../store/index.js';
import { openStoreIn, openTestStore } from '../../store/test/helpers.js';
import { createAdmin, type Admin } from '../index.js';

export const TOKEN_IDENTITY = { issuer: 'arra-mq', audience: 'mqtt', defaultTtlSeconds: 3600 };

export async function openTestAdmin(t: TestContext, options: Omit<StoreOptions, 'dataDir' | 'path'> = {}): Promise<{ store: Store; admin: Admin }> {
  const store = await openTestStore(t, options);
  const admin = await createAdmin({ store, clock: options.clock ?? Date, logger: options.logger, tokens: TOKEN_IDENTITY });
  return { store, admin };
}

/** The store in `dataDir` with the use cases over it, as a (re)start opens them; the caller closes it. */
export async function openAdminIn(dataDir: string): Promise<{ store: Store; admin: Admin }> {
  const store = await openStoreIn(dataDir);
  return { store, admin: await createAdmin({ store, clock: Date, tokens: TOKEN_IDENTITY }) };
}
