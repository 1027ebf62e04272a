/**
 * Our broker with the real verifier, in-process or over HTTP (the LXC shape), for the connect rows:
 * only the connect-rate limits are raised, as the rows measure authentication. A first start
 * provisions DEVICES into `credentials.json`; a restart finds them with every cache cold.
 *
 * Usage: server-ours-verifier.js PORT DATA_DIR [inprocess|http] [DEVICES]
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Authorizer } from '../../broker/authorizer.js';
import { createHttpAuthorizer } from '../../broker/authorizers/http.js';
import { createInProcessAuthorizer } from '../../broker/authorizers/in-process.js';
import { BrokerConfig } from '../../broker/config.js';
import { startBroker } from '../../broker/start.js';
import { issueDeviceToken } from '../../verifier/core/index.js';
import { loadConfig, startVerifier, type RunningVerifier } from '../../verifier/index.js';
import { BENCH_PASSWORD, PASSWORD_DEVICES, benchDevice, type BenchCredentials } from './client.js';
import { ImportBody } from '../../schemas/admin.js';
import { droppedLogs } from './reference-route.js';

const [port, dataDir, mode = 'inprocess', devices = '100'] = process.argv.slice(2);
const SECRET = 'bench-webhook-secret-0123456789';

const logger = droppedLogs();
const config = loadConfig({
  ARRA_DATA_DIR: dataDir,
  ARRA_HTTP_PORT: '0',
  ARRA_ALLOW_ANONYMOUS: 'true',
  ARRA_ADMIN_TOKEN: 'bench-admin-token-0123456789abcdef',
  ARRA_WEBHOOK_SECRET: SECRET,
});
const verifier = await startVerifier(config, { logger });

async function provision(v: RunningVerifier, count: number): Promise<BenchCredentials> {
  const ids = Array.from({ length: count }, (_, i) => benchDevice(i));
  // A password costs a scrypt to store: only the first PASSWORD_DEVICES get one (one per connect loop).
  await v.admin.importDevices(ImportBody.parse({ devices: ids.map((id, i) => (i < PASSWORD_DEVICES ? { id, password: BENCH_PASSWORD } : { id })) }));
  const tokens: string[] = [];
  for (const id of ids) {
    const issued = await issueDeviceToken(v.admin.keys, Date, { deviceId: id, issuer: v.config.issuer, audience: v.config.audience, ttlSeconds: 86_400 });
    await v.admin.recordToken(id, { jti: issued.jti, expiresAt: issued.expiresAt });
    tokens.push(issued.token);
  }
  return { tokens };
}

const credentialsFile = join(dataDir!, 'credentials.json');
if (!existsSync(credentialsFile)) writeFileSync(credentialsFile, JSON.stringify(await provision(verifier, Number(devices))));

const authorizer: Authorizer = mode === 'http'
  ? createHttpAuthorizer({ url: verifier.url, secret: SECRET, connections: 32, logger })
  : createInProcessAuthorizer(verifier.decider, (listener) => verifier.store.onChange(listener), logger);
const brokerConfig = BrokerConfig.parse({
  mqttPort: Number(port),
  dataDir,
  sysInterval: 0,
  maxConnections: 1_000_000,
  connectRate: 1_000_000,
  connectRateGlobal: 1_000_000,
  maxPendingPerAddress: 1_000_000,
});
const running = await startBroker(brokerConfig, authorizer, { logger });
process.stdout.write('ready\n');
process.on('SIGUSR2', () => globalThis.gc?.());
process.once('SIGTERM', () => {
  void running
    .close()
    .then(() => authorizer.close())
    .then(() => verifier.close())
    .then(() => process.exit(0));
});
