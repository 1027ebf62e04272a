/**
 * A real verifier for adapter tests: the SQLite store on a temp file, the real decision core, and a
 * Fastify app with the adapters listening on 127.0.0.1:0. Everything is closed in `t.after`.
 *
 * @module broker-adapters/test/verifier
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pino from 'pino';
import { createDecider, issueDeviceToken, type DeciderConfig } from '../../verifier/core/index.js';
import type { Decider } from '../../verifier/core/types.js';
import { openStore, type Store } from '../../verifier/store/index.js';
import { registerAdapters, type AdapterConfig } from '../index.js';

export const ISSUER = 'https://verifier.test';
export const AUDIENCE = 'arra-mq';

const DECIDER_CONFIG: DeciderConfig = {
  issuer: ISSUER,
  audience: AUDIENCE,
  clockToleranceSeconds: 5,
  aclNoMatch: 'deny',
  allowAnonymous: false,
  cacheSize: 1000,
  // Replays send hundreds of failing CONNECTs: keep the brute-force delays out of the test's way.
  lockout: { windowSeconds: 60, slowAfter: 10_000, lockAfter: 10_000, lockSeconds: 60, baseDelayMs: 0, maxDelayMs: 0, maxTrackedKeys: 1000 },
};

export interface TestVerifier {
  app: FastifyInstance;
  store: Store;
  decider: Decider;
  port: number;
  /** Lines the app logged (parsed JSON), to check what reaches the logs. */
  logs: Array<Record<string, unknown>>;
  issueToken(deviceId: string, ttlSeconds?: number): Promise<string>;
}

export interface StartOptions {
  config?: Partial<AdapterConfig>;
  /** Replaces the real decider (to make the core fail). */
  decider?: (real: Decider) => Decider;
  provision?: (store: Store) => Promise<void> | void;
}

export async function startVerifier(t: TestContext, options: StartOptions = {}): Promise<TestVerifier> {
  const dir = mkdtempSync(join(tmpdir(), 'arra-adapters-'));
  const store = await openStore({ dataDir: dir });
  t.after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await ensureSigningKey(store);
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const real = createDecider({ registry: store, keys: store, clock: Date, logger, config: DECIDER_CONFIG });
  t.after(() => real.close());
  await options.provision?.(store);

  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  await app.register(registerAdapters, {
    decider: options.decider ? options.decider(real) : real,
    config: { webhookSecret: 'test-secret', webhookAllow: [], trustCertSubject: false, ...options.config },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening on TCP');

  return {
    app,
    store,
    decider: real,
    port: address.port,
    logs,
    async issueToken(deviceId, ttlSeconds = 3600) {
      const issued = await issueDeviceToken(store, Date, { deviceId, issuer: ISSUER, audience: AUDIENCE, ttlSeconds });
      store.recordToken(deviceId, { jti: issued.jti, expiresAt: issued.expiresAt });
      return issued.token;
    },
  };
}

async function ensureSigningKey(store: Store): Promise<void> {
  try {
    store.activeSigningKey();
  } catch {
    await store.rotateKey();
  }
}
