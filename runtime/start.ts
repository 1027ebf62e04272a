#!/usr/bin/env node
/** `npm start`: the verifier and the bundled broker in one process; on a signal the broker closes first. */
import { createInProcessAuthorizer } from '../broker/authorizers/in-process.js';
import { loadBrokerConfig } from '../broker/config.js';
import { BrokerConfigError } from '../broker/errors.js';
import { startBroker, type RunningBroker } from '../broker/start.js';
import { createLogger } from '../logging/logger.js';
import { ConfigError, loadConfig, startVerifier } from '../verifier/index.js';
import { RegistryMissingError, SealedKeyError, StoreUnavailableError } from '../verifier/store/index.js';
import { closeOnSignals } from './close-on-signals.js';
import { exitOnStartupError } from './exit.js';
import { packageVersion } from './package-version.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const brokerConfig = loadBrokerConfig();
  const logger = createLogger({ level: config.logLevel });
  let running: RunningBroker | undefined;
  const verifier = await startVerifier(config, { logger, brokerClients: () => running?.broker });
  const authorizer = createInProcessAuthorizer(verifier.decider, (listener) => verifier.store.onChange(listener), logger, { logsAllows: true });
  try {
    running = await startBroker(brokerConfig, authorizer, {
      logger,
      version: packageVersion(),
      deviceCaPem: verifier.admin.caCertificatePem(),
    });
  } catch (err) {
    await authorizer.close();
    await verifier.close();
    throw err;
  }
  const broker = running;
  closeOnSignals('arra-mq', logger, async () => {
    await broker.close();
    await authorizer.close();
    await verifier.close();
  });
  // Printed last: whoever reads it (a person, a supervisor, a test) may signal at once.
  process.stderr.write(nextSteps(verifier, broker.ports, config.dataDir));
}

function nextSteps({ url, adminUrl }: { url: string; adminUrl: string }, ports: RunningBroker['ports'], dataDir: string): string {
  const lines = [
    '',
    `arra-mq is running: verifier ${url}${adminUrl === url ? '' : ` (admin API ${adminUrl})`}, MQTT on port ${ports.mqtt}` +
      (ports.tls ? `, MQTT/TLS on ${ports.tls}` : '') +
      (ports.ws ? `, MQTT/WebSocket on ${ports.ws} (/mqtt)` : '') +
      (ports.wss ? `, MQTT/WebSocket over TLS on ${ports.wss} (/mqtt)` : ''),
    `Admin token: ${dataDir}/admin-token (or ARRA_ADMIN_TOKEN). Next:`,
    `  npx arra-mq device add dev-1 --password`,
    `  npx arra-mq acl add --device dev-1 --action all --topic 'devices/\${device}/#' --allow`,
    `  mosquitto_pub -p ${ports.mqtt} -i dev-1 -u dev-1 -P <password> -t devices/dev-1/hello -m hi`,
    'Ctrl-C stops both.',
    '',
  ];
  return lines.join('\n');
}

main().catch((err: unknown) => exitOnStartupError('arra-mq', err, { usage: [ConfigError, BrokerConfigError], refusals: [RegistryMissingError, StoreUnavailableError, SealedKeyError] }));
