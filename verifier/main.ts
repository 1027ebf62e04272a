#!/usr/bin/env node
/**
 * The verifier process: configuration from the environment, listen, and on SIGINT/SIGTERM close
 * gracefully (answer held long polls, finish open requests, close the database). A configuration
 * error is printed as a list and exits 2 (usage), anything else at startup exits 1.
 *
 * @module verifier/main
 */
import { ConfigError } from './config.js';
import { startVerifier } from './http/server.js';
import { closeOnSignals } from '../scripts/close-on-signals.js';

const EXIT_USAGE = 2;

try {
  const verifier = await startVerifier();
  verifier.app.log.info({ url: verifier.url }, 'verifier listening');
  closeOnSignals('verifier', verifier.app.log, () => verifier.close());
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = EXIT_USAGE;
  } else {
    process.stderr.write(`verifier failed to start: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  }
}
