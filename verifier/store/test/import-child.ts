/**
 * Child process for the crash test: opens the store in `argv[2]`, says `importing`, imports `argv[3]`
 * devices in one call, says `done` once the import is committed, then waits to be killed.
 *
 * @module verifier/store/test/import-child
 */
import { openStore } from '../index.js';

const [dataDir, count] = [process.argv[2]!, Number(process.argv[3])];
const store = await openStore({ dataDir });
const devices = Array.from({ length: count }, (_, i) => ({ id: `crash-${i}`, groups: ['crash'] }));
process.stdout.write('importing\n');
await store.importDevices({ devices });
process.stdout.write('done\n');
setInterval(() => {}, 1000);
