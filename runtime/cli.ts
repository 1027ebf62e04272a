/** The `arra-mq` process: `bin/arra-mq.js` calls `run`, and so does running this file directly. */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { main } from '../verifier/cli/main.js';
import { packageVersion } from './package-version.js';

export async function run(): Promise<void> {
  // `arra-mq device list | head` closes the pipe early: that is the reader's choice, not a failure.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  process.exitCode = await main(process.argv.slice(2), process, process.env, packageVersion());
}

/** True when node was started on this file (`tsx runtime/cli.ts`), not when it is imported. */
function isEntryPoint(): boolean {
  try {
    return process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) await run();
