/**
 * The adapters alone on 127.0.0.1:0, over the real store and core, for what the service's config
 * cannot express: an empty secret with no allow-list, a decision core that throws. Every other test
 * starts the whole service with `startTestVerifier`.
 *
 * @module broker-adapters/test/adapter-app
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pino from 'pino';
import { addressList } from '../../rules/index.js';
import { createAdmin } from '../../verifier/admin/index.js';
import { createDecider, type Decider } from '../../verifier/core/index.js';
import { openStore } from '../../verifier/store/index.js';
import { WEBHOOK_SECRET } from '../../verifier/test/test-verifier.js';
import { createGuard, registerAdapters, type AdapterConfig } from '../index.js';

export interface AdapterAppOptions {
  config?: Partial<AdapterConfig & { webhookSecret: string; webhookAllow: string[] }>;
  /** Replaces the real decision core (to make it fail). */
  decider?: (real: Decider) => Decider;
}

export async function startAdapterApp(t: TestContext, options: AdapterAppOptions = {}): Promise<{ app: FastifyInstance; port: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'arra-adapters-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Every line is built and serialised as in production, then dropped.
  const logger = pino({ level: 'debug' }, { write: () => undefined });
  const store = await openStore({ dataDir: dir });
  t.after(() => store.close());
  const identity = { issuer: 'arra-mq', audience: 'mqtt' };
  const admin = await createAdmin({ store, clock: Date, tokens: { ...identity, defaultTtlSeconds: 3600 } });
  await admin.rotateKey('EdDSA');
  const lockout = { windowSeconds: 60, slowAfter: 1000, lockAfter: 1000, lockSeconds: 60, baseDelayMs: 0, maxDelayMs: 0, maxTrackedKeys: 1000 };
  const real = createDecider({
    registry: store,
    keys: admin.keys,
    clock: Date,
    logger,
    config: { ...identity, clockToleranceSeconds: 5, aclNoMatch: 'deny', allowAnonymous: false, cacheSize: 1000, lockout },
  });
  t.after(() => real.close());
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  const { webhookSecret = WEBHOOK_SECRET, webhookAllow = [], ...config } = options.config ?? {};
  await app.register(registerAdapters, {
    decider: options.decider ? options.decider(real) : real,
    guard: createGuard({ webhookSecret, allowList: addressList(webhookAllow) }),
    config: { trustCertSubject: false, ...config },
  });
  t.after(() => app.close());
  const url = new URL(await app.listen({ host: '127.0.0.1', port: 0 }));
  return { app, port: Number(url.port) };
}
