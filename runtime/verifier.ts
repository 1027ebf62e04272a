#!/usr/bin/env node
/** The standalone verifier process (`arra-mq-verifier.service`). */
import { ConfigError } from '../verifier/config.js';
import { startVerifier } from '../verifier/http/server.js';
import { RegistryMissingError, SealedKeyError, StoreUnavailableError } from '../verifier/store/index.js';
import { closeOnSignals } from './close-on-signals.js';
import { exitOnStartupError } from './exit.js';

try {
  const verifier = await startVerifier();
  verifier.app.log.info({ url: verifier.url, adminUrl: verifier.adminUrl }, 'verifier listening');
  closeOnSignals('verifier', verifier.app.log, () => verifier.close());
} catch (err) {
  exitOnStartupError('verifier', err, { usage: [ConfigError], refusals: [RegistryMissingError, StoreUnavailableError, SealedKeyError] });
}
