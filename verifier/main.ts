#!/usr/bin/env node
/**
 * The verifier process: configuration from the environment, listen, and on SIGINT/SIGTERM close
 * gracefully (answer held long polls, finish open requests, close the database). A configuration
 * error (secret files included) is printed as a list and exits 2 (usage); a data directory whose
 * registry is missing exits 1 with its message alone; anything else at startup exits 1 with the stack.
 *
 * @module verifier/main
 */
import { ConfigError } from './config.js';
import { startVerifier } from './http/server.js';
import { RegistryMissingError } from './store/index.js';
import { closeOnSignals } from '../scripts/close-on-signals.js';

const EXIT_USAGE = 2;

try {
  const verifier = await startVerifier();
  verifier.app.log.info({ url: verifier.url, adminUrl: verifier.adminUrl }, 'verifier listening');
  closeOnSignals('verifier', verifier.app.log, () => verifier.close());
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = EXIT_USAGE;
  } else if (err instanceof RegistryMissingError) {
    process.stderr.write(`verifier refused to start: ${err.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`verifier failed to start: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  }
}
