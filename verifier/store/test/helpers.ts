/**
 * Test helpers for the store: a real SQLite file in a fresh temp directory, removed after the test.
 *
 * @module verifier/store/test/helpers
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Change } from '../../core/index.js';
import { openStore, type SqliteStore, type Store, type StoreOptions } from '../index.js';

export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'arra-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Opens a store in `dataDir` (a fresh temp dir by default) and closes it after the test. */
export async function openTestStore(t: TestContext, options: Partial<StoreOptions> = {}): Promise<SqliteStore> {
  const store = await openStore({ dataDir: options.path ? undefined : (options.dataDir ?? join(tempDir(t), 'data')), ...options });
  t.after(() => store.close());
  return store;
}

/** Records every change the store announces. */
export function recordChanges(store: Store): Change[] {
  const changes: Change[] = [];
  store.onChange((c) => changes.push(c));
  return changes;
}
