/**
 * Child process for the crash test: opens the store in `argv[2]` (on PostgreSQL when `argv[4]` names
 * one), says `importing`, imports `argv[3]` devices in one call, says `done` once the import is
 * committed, then waits to be killed.
 *
 * @module verifier/store/test/import-child
 */
import { ImportDevice } from '../../../schemas/admin.js';
import { join } from 'node:path';
import { openStore } from '../index.js';
import { openPostgresStore } from '../postgres/store.js';
import { TEST_KEK } from './helpers.js';

const [dataDir, count, url] = [process.argv[2]!, Number(process.argv[3]), process.argv[4]];
const store = url
  ? await openPostgresStore({ url, kek: TEST_KEK, mirrorPath: join(dataDir, 'registry-mirror.sqlite') })
  : await openStore({ dataDir });
const rows = Array.from({ length: count }, (_, index) => ({ index, row: { ...ImportDevice.parse({ id: `crash-${index}`, groups: ['crash'] }), passwordHash: null } }));
process.stdout.write('importing\n');
await store.imports.write(rows, 'fail');
process.stdout.write('done\n');
setInterval(() => {}, 1000);
