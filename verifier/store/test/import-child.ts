/**
 * Child process for the crash test: opens the store in `argv[2]`, says `importing`, imports `argv[3]`
 * devices in one call, says `done` once the import is committed, then waits to be killed.
 *
 * @module verifier/store/test/import-child
 */
import { ImportDevice } from '../../../schemas/admin.js';
import { openStore } from '../index.js';

const [dataDir, count] = [process.argv[2]!, Number(process.argv[3])];
const store = await openStore({ dataDir });
const rows = Array.from({ length: count }, (_, index) => ({ index, row: { ...ImportDevice.parse({ id: `crash-${index}`, groups: ['crash'] }), passwordHash: null } }));
process.stdout.write('importing\n');
await store.imports.write(rows, 'fail');
process.stdout.write('done\n');
setInterval(() => {}, 1000);
