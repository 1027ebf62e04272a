/**
 * Test helpers for the store: a real SQLite file in a fresh temp directory, or (inside
 * `testEachStore`'s PostgreSQL run) the run's PostgreSQL database with a mirror in that directory;
 * removed after the test.
 *
 * @module verifier/store/test/helpers
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Change } from '../../core/index.js';
import { openStore, type Store, type StoreOptions } from '../index.js';
import { openPostgresStore } from '../postgres/store.js';
import { KeyEncryptionKey } from '../postgres/sealed-keys.js';
import { storeUnderTest } from './each-store.js';

export const TEST_KEK = KeyEncryptionKey.fromSecret('key-encryption-secret-of-the-store-tests');

export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'arra-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The store of the current run in `dataDir`, as a (re)start opens it; the caller closes it. */
export async function openStoreIn(dataDir: string, options: Omit<StoreOptions, 'dataDir' | 'path'> = {}): Promise<Store> {
  const under = storeUnderTest();
  if (under.kind === 'sqlite') return openStore({ dataDir, ...options });
  return openPostgresStore({ url: under.url, kek: TEST_KEK, mirrorPath: join(dataDir, 'registry-mirror.sqlite'), ...options });
}

/** Opens the store of the current run in a fresh temp dir and closes it after the test. */
export async function openTestStore(t: TestContext, options: Omit<StoreOptions, 'dataDir' | 'path'> = {}): Promise<Store> {
  const store = await openStoreIn(join(tempDir(t), 'data'), options);
  t.after(() => store.close());
  return store;
}

/** Records every change the store announces. */
export function recordChanges(store: Store): Change[] {
  const changes: Change[] = [];
  store.onChange((c) => changes.push(c));
  return changes;
}
