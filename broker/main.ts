#!/usr/bin/env node
/**
 * The standalone broker process: configuration from the environment (and `ARRA_BROKER_CONFIG`), the
 * HTTP authorizer to a verifier, listeners, and on SIGINT/SIGTERM a graceful close (MQTT 5 clients
 * get DISCONNECT "server shutting down"). A configuration error is printed and exits 2 (usage),
 * anything else at startup exits 1. The single-process `npm start` wires the in-process authorizer
 * instead and does not use this file.
 *
 * @module broker/main
 */
import { pino } from 'pino';
import { fetchDeviceCa } from './authorizers/device-ca.js';
import { createHttpAuthorizer } from './authorizers/http.js';
import { BrokerConfigError, loadBrokerConfig, resolveVerifierCa, resolveWebhookSecret } from './config.js';
import { startBroker } from './start.js';
import { closeOnSignals } from '../scripts/close-on-signals.js';
import { packageVersion } from '../scripts/package-version.js';
// The composition root may use the verifier's redaction list: one definition of what is secret.
import { journalPriorityHooks, redaction } from '../verifier/logger.js';

const EXIT_USAGE = 2;

try {
  const config = loadBrokerConfig();
  if (process.env.ARRA_AUTHORIZER === 'inprocess') {
    throw new BrokerConfigError('ARRA_AUTHORIZER=inprocess: the standalone broker asks a verifier over HTTP; use `npm start` for one process');
  }
  const logger = pino({
    ...journalPriorityHooks(),
    level: config.logLevel,
    base: { service: 'arra-broker' },
    ...redaction,
  });
  const verifierCa = resolveVerifierCa(config);
  const deviceCaPem = config.tlsPort !== null && !config.tlsCa ? await fetchDeviceCa(config.verifierUrl, undefined, verifierCa) : undefined;
  const authorizer = createHttpAuthorizer({
    url: config.verifierUrl,
    ...(verifierCa ? { ca: verifierCa } : {}),
    secret: resolveWebhookSecret(config),
    timeoutMs: config.authorizerTimeoutMs,
    connections: config.authorizerConnections,
    logger,
  });
  const running = await startBroker(config, authorizer, { logger, version: packageVersion(), ...(deviceCaPem ? { deviceCaPem } : {}) });
  closeOnSignals('broker', logger, async () => {
    await running.close();
    await authorizer.close();
  });
} catch (err) {
  if (err instanceof BrokerConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = EXIT_USAGE;
  } else {
    process.stderr.write(`broker failed to start: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  }
}
