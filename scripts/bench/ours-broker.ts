/** Our broker as the connect rows run it: only the connect-rate limits raised, `ready` on stdout once it listens. */
import type { Authorizer } from '../../broker/authorizer.js';
import { BrokerConfig } from '../../broker/config.js';
import { startBroker } from '../../broker/start.js';
import type { Logger } from '../../logging/logger.js';

/** Starts the broker; SIGTERM closes it, then the authorizer, then `closeAlso` (a verifier in the same process). */
export async function runOursBroker(port: number, dataDir: string, authorizer: Authorizer, logger: Logger, closeAlso = async () => {}): Promise<void> {
  const config = BrokerConfig.parse({
    mqttPort: port,
    dataDir,
    sysInterval: 0,
    maxConnections: 1_000_000,
    connectRate: 1_000_000,
    connectRateGlobal: 1_000_000,
    maxPendingPerAddress: 1_000_000,
  });
  const running = await startBroker(config, authorizer, { logger });
  process.stdout.write('ready\n');
  process.on('SIGUSR2', () => globalThis.gc?.());
  process.once('SIGTERM', () => {
    void running
      .close()
      .then(() => authorizer.close())
      .then(closeAlso)
      .then(() => process.exit(0));
  });
}
