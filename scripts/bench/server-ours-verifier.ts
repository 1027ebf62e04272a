/**
 * Our broker with the real verifier in-process, as `npm start` runs it, for the connect rows and the
 * in-process storm; or (`verifier`) the verifier alone, its HTTP API on PORT, for a broker in another
 * process (`server-ours-broker.ts`, the LXC shape). A first start provisions DEVICES into
 * `credentials.json`; a restart finds them with every cache cold.
 *
 * Usage: server-ours-verifier.js PORT DATA_DIR [inprocess|verifier] [DEVICES]
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInProcessAuthorizer } from '../../broker/authorizers/in-process.js';
import { issueDeviceToken } from '../../verifier/core/index.js';
import { loadConfig, startVerifier, type RunningVerifier } from '../../verifier/index.js';
import { BENCH_PASSWORD, BENCH_WEBHOOK_SECRET, PASSWORD_DEVICES, benchDevice, type BenchCredentials } from './client.js';
import { ImportBody } from '../../schemas/admin.js';
import { runOursBroker } from './ours-broker.js';
import { droppedLogs } from './dropped-logs.js';

const [port, dataDir, mode = 'inprocess', devices = '100'] = process.argv.slice(2);

const logger = droppedLogs();
const config = loadConfig({
  ARRA_DATA_DIR: dataDir,
  ARRA_HTTP_PORT: mode === 'verifier' ? port : '0',
  ARRA_ALLOW_ANONYMOUS: 'true',
  ARRA_ADMIN_TOKEN: 'bench-admin-token-0123456789abcdef',
  ARRA_WEBHOOK_SECRET: BENCH_WEBHOOK_SECRET,
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

if (mode === 'verifier') {
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => void verifier.close().then(() => process.exit(0)));
} else {
  const authorizer = createInProcessAuthorizer(verifier.decider, (listener) => verifier.store.onChange(listener), logger, { logsAllows: true });
  await runOursBroker(Number(port), dataDir!, authorizer, logger, () => verifier.close());
}
