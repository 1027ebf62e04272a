/**
 * Real verifiers for adapter tests, listening on 127.0.0.1:0 and closed in `t.after`:
 *
 * - `startVerifier`: the whole service as it ships (`assembleVerifier`: config from environment-style
 *   variables, the SQLite store on a temp dir, the decision core, `buildApp` with the adapters in it);
 * - `startAdapterApp`: the store and core behind a bare Fastify app with only the adapters, for what
 *   the service's config cannot express (an empty secret, a decision core that throws).
 *
 * Both capture the JSON log lines, so tests can check what reaches the logs.
 *
 * @module broker-adapters/test/verifier
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pino from 'pino';
import { loadConfig, webhookAllowList } from '../../verifier/config.js';
import { createDecider, type Decider, issueDeviceToken } from '../../verifier/core/index.js';
import { assembleVerifier } from '../../verifier/http/server.js';
import { openStore, type Store } from '../../verifier/store/index.js';
import { createGuard, registerAdapters, type AdapterConfig } from '../index.js';

export const TEST_SECRET = 'test-secret-0123456789';

export interface TestVerifier {
  app: FastifyInstance;
  store: Store;
  port: number;
  /** Lines the app logged (parsed JSON). */
  logs: Array<Record<string, unknown>>;
  issueToken(deviceId: string, ttlSeconds?: number): Promise<string>;
}

/** The adapters' settings plus the guard's, as an operator would write them. */
export type TestAdapterConfig = AdapterConfig & { webhookSecret: string; webhookAllow: string[] };

export interface StartOptions {
  config?: Partial<TestAdapterConfig>;
  provision?: (store: Store) => Promise<void> | void;
  /** More `ARRA_*` variables for `startVerifier` (e.g. `ARRA_ALLOW_ANONYMOUS`). */
  env?: Record<string, string>;
}

/** The shipped service: `ARRA_*` variables as an operator would set them. */
export async function startVerifier(t: TestContext, options: StartOptions = {}): Promise<TestVerifier> {
  const dir = tempDir(t);
  const { logger, logs } = captureLogs();
  const config = loadConfig({
    ARRA_DATA_DIR: dir,
    ARRA_HTTP_PORT: '0',
    ARRA_WEBHOOK_SECRET: options.config?.webhookSecret ?? TEST_SECRET,
    ARRA_WEBHOOK_ALLOW: (options.config?.webhookAllow ?? []).join(','),
    ARRA_TRUST_CERT_SUBJECT: String(options.config?.trustCertSubject ?? false),
    // Replays send hundreds of failing CONNECTs: keep the brute-force brakes out of their way.
    ARRA_LOCKOUT_SLOW_AFTER: '100000',
    ARRA_LOCKOUT_LOCK_AFTER: '100000',
    ...options.env,
  });
  const verifier = await assembleVerifier(config, logger);
  t.after(() => verifier.close());
  await options.provision?.(verifier.store);
  const port = await listen(verifier.app);
  return {
    app: verifier.app,
    store: verifier.store,
    port,
    logs,
    issueToken: (deviceId, ttlSeconds) => issueToken(verifier.store, config, deviceId, ttlSeconds),
  };
}

export interface AdapterAppOptions extends StartOptions {
  /** Replaces the real decision core (to make it fail). */
  decider?: (real: Decider) => Decider;
}

/** The store and core behind a bare app with only the adapters, configured directly. */
export async function startAdapterApp(t: TestContext, options: AdapterAppOptions = {}): Promise<TestVerifier> {
  const dir = tempDir(t);
  const { logger, logs } = captureLogs();
  const store = await openStore({ dataDir: dir });
  t.after(() => store.close());
  await store.rotateKey();
  const identity = { issuer: 'arra-mq', audience: 'mqtt' };
  const lockout = { windowSeconds: 60, slowAfter: 1000, lockAfter: 1000, lockSeconds: 60, baseDelayMs: 0, maxDelayMs: 0, maxTrackedKeys: 1000 };
  const real = createDecider({
    registry: store,
    keys: store,
    clock: Date,
    logger,
    config: { ...identity, clockToleranceSeconds: 5, aclNoMatch: 'deny', allowAnonymous: false, cacheSize: 1000, lockout },
  });
  t.after(() => real.close());
  await options.provision?.(store);
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  const { webhookSecret = TEST_SECRET, webhookAllow = [], ...config } = options.config ?? {};
  await app.register(registerAdapters, {
    decider: options.decider ? options.decider(real) : real,
    guard: createGuard({ webhookSecret, allowList: webhookAllowList(webhookAllow) }),
    config: { trustCertSubject: false, ...config },
  });
  t.after(() => app.close());
  const port = await listen(app);
  return { app, store, port, logs, issueToken: (deviceId, ttlSeconds) => issueToken(store, identity, deviceId, ttlSeconds) };
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'arra-adapters-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function captureLogs() {
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, logs };
}

async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening on TCP');
  return address.port;
}

async function issueToken(store: Store, identity: { issuer: string; audience: string }, deviceId: string, ttlSeconds = 3600): Promise<string> {
  const issued = await issueDeviceToken(store, Date, { deviceId, issuer: identity.issuer, audience: identity.audience, ttlSeconds });
  store.recordToken(deviceId, { jti: issued.jti, expiresAt: issued.expiresAt });
  return issued.token;
}
