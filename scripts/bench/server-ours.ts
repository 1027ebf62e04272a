/** Our broker as `runtime/broker.ts` starts it, deciding by the same password check as Aedes's hook. */
import { timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { AuthenticateAllow, AuthenticateDecision, AuthenticateRequest } from '../../schemas/index.js';
import { allow } from '../../broker/authorizers/static.js';
import { createInProcessAuthorizer } from '../../broker/authorizers/in-process.js';
import { BrokerConfig } from '../../broker/config.js';
import { startBroker } from '../../broker/start.js';
import { BENCH_PASSWORD, BENCH_USER } from './client.js';

const port = Number(process.argv[2]);
const expected = Buffer.from(BENCH_PASSWORD);

/** The deny overlaps only `checked/#` (the "qos0 fan-in checked" row), whose deliveries are then checked. */
const CHECKED_ONLY: AuthenticateAllow['acl'] = { rules: [{ permission: 'deny', action: 'subscribe', topic: 'checked/never', eq: false }], noMatch: 'allow' };

async function authenticate(request: AuthenticateRequest): Promise<AuthenticateDecision> {
  const given = Buffer.from(request.password ?? '');
  const ok = request.username === BENCH_USER && given.length === expected.length && timingSafeEqual(given, expected);
  if (!ok) return { allow: false, reason: 'bad_credentials' };
  return allow(CHECKED_ONLY, { credential: { kind: 'password' } });
}

// A store of its own per start, with the shipped durability unless ARRA_BROKER_DURABILITY says otherwise.
const dataDir = mkdtempSync(join(tmpdir(), 'arra-bench-store-'));
const config = BrokerConfig.parse({
  mqttPort: port,
  sysInterval: 0,
  dataDir,
  durability: process.env.ARRA_BROKER_DURABILITY ?? 'fsync',
  maxConnections: 1_000_000,
  connectRate: 1_000_000,
  connectRateGlobal: 1_000_000,
  maxPendingConnections: 1_000_000,
  maxPendingPerAddress: 1_000_000,
});
// No stored session outlives a benchmark run's identity, so no rights are ever asked: deny.
const authorizer = createInProcessAuthorizer({ authenticate, rights: () => ({ allow: false, reason: 'unknown_device' }) }, () => () => {});
const running = await startBroker(config, authorizer, { logger: pino({ level: 'silent' }) });
process.stdout.write('ready\n');
// The benchmark reads RSS after a full collection, so garbage is not counted as per-connection memory.
process.on('SIGUSR2', () => globalThis.gc?.());
process.once('SIGTERM', () =>
  void running.close().then(() => {
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  }),
);
