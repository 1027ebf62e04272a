#!/usr/bin/env node
/** The standalone broker process (`arra-mq-broker.service`): asks a verifier over HTTP, serves its control socket. */
import { pino } from 'pino';
import { fetchDeviceCa } from '../broker/listeners/device-ca.js';
import { createHttpAuthorizer } from '../broker/authorizers/http.js';
import { controlSocketPath, loadBrokerConfig, resolveVerifierCa } from '../broker/config.js';
import { listenControl } from '../broker/control.js';
import { BrokerConfigError } from '../broker/errors.js';
import { startBroker } from '../broker/start.js';
import { journalPriorityHooks, redaction } from '../logging/logger.js';
import { ConfigError } from '../verifier/config.js';
import { secretMatcher } from '../verifier/core/index.js';
import { closeOnSignals } from './close-on-signals.js';
import { exitOnStartupError } from './exit.js';
import { packageVersion } from './package-version.js';
import { brokerWebhookSecret } from './webhook-secret.js';

try {
  const config = loadBrokerConfig();
  if (process.env.ARRA_AUTHORIZER === 'inprocess') {
    throw new BrokerConfigError('ARRA_AUTHORIZER=inprocess: the standalone broker asks a verifier over HTTP; use `npm start` for one process');
  }
  const logger = pino({
    ...journalPriorityHooks(),
    level: config.logLevel,
    base: { service: 'arra-mq-broker' },
    ...redaction,
  });
  const verifierCa = resolveVerifierCa(config);
  const deviceCaPem = config.tlsPort !== null && !config.tlsCa ? await fetchDeviceCa(config.verifierUrl, undefined, verifierCa) : undefined;
  const secret = brokerWebhookSecret(config);
  const authorizer = createHttpAuthorizer({
    url: config.verifierUrl,
    ...(verifierCa ? { ca: verifierCa } : {}),
    secret,
    timeoutMs: config.authorizerTimeoutMs,
    connections: config.authorizerConnections,
    logger,
  });
  const running = await startBroker(config, authorizer, { logger, version: packageVersion(), ...(deviceCaPem ? { deviceCaPem } : {}) });
  const control = await listenControl({ path: controlSocketPath(config), isSecret: secretMatcher(secret), broker: running.broker, logger }).catch(async (err: unknown) => {
    await running.close();
    await authorizer.close();
    throw err;
  });
  closeOnSignals('broker', logger, async () => {
    await control.close();
    await running.close();
    await authorizer.close();
  });
} catch (err) {
  exitOnStartupError('broker', err, { usage: [BrokerConfigError, ConfigError] });
}
