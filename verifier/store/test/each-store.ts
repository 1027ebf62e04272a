/**
 * One test, run against each store: SQLite, and PostgreSQL (skipped, saying why, when the machine has
 * none: `postgres/test/cluster.ts`). The helpers that open a store (`openTestStore`, the admin's
 * `openTestAdmin`/`openAdminIn`) open the store of the run they are called in.
 *
 * @module verifier/store/test/each-store
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { test, type TestContext } from 'node:test';
import { postgresUnavailable, scratchDatabase } from '../postgres/test/cluster.js';

export type StoreUnderTest = { kind: 'sqlite' } | { kind: 'postgres'; url: string };

const current = new AsyncLocalStorage<StoreUnderTest>();

/** The store of the run this is called in; SQLite outside `testEachStore`. */
export function storeUnderTest(): StoreUnderTest {
  return current.getStore() ?? { kind: 'sqlite' };
}

export function testEachStore(name: string, fn: (t: TestContext) => Promise<void>): void {
  test(`${name} [SQLite]`, (t) => current.run({ kind: 'sqlite' }, () => fn(t)));
  test(`${name} [PostgreSQL]`, { skip: postgresUnavailable() ?? false }, async (t) => {
    const db = await scratchDatabase();
    try {
      await current.run({ kind: 'postgres', url: db.url }, () => fn(t));
    } finally {
      // Registered last, so it runs after the hooks that close the test's stores.
      t.after(() => db.drop());
    }
  });
}
