/**
 * The one in-process verifier every test starts: the shipped service (`startVerifier`, SQLite in a temp
 * dir) on 127.0.0.1:0, its log kept in memory, closed and removed in `t.after`.
 *
 * @module verifier/test/test-verifier
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { createLogger } from '../../logging/logger.js';
import { loadConfig } from '../config.js';
import { startVerifier, type RunningVerifier } from '../http/server.js';
import type { BrokerClientsLink } from '../http/admin/connections.js';
import type { Admin } from '../admin/index.js';
import type { Store } from '../store/index.js';

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef';
export const WEBHOOK_SECRET = 'webhook-secret-for-tests-0123456789';
/** Headers a broker sends to the decision endpoints, and the admin API's bearer. */
export const BROKER_HEADERS = { 'x-arra-secret': WEBHOOK_SECRET };
export const ADMIN_HEADERS = { authorization: `Bearer ${ADMIN_TOKEN}` };

export interface TestVerifierOptions {
  /** More `ARRA_*` variables, as an operator sets them (they win over the test defaults). */
  env?: Record<string, string>;
  /** Writes to the registry (through the admin use cases) before the test talks to the verifier. */
  provision?: (admin: Admin, store: Store) => Promise<void> | void;
  /** Leave ARRA_ADMIN_TOKEN unset, so the verifier generates `$ARRA_DATA_DIR/admin-token` itself. */
  generateToken?: boolean;
  /** The bundled broker the connections routes list, as `npm start` links it. */
  brokerClients?: BrokerClientsLink;
}

export interface TestVerifier extends Omit<RunningVerifier, 'admin'> {
  /** The admin use cases, in-process (`admin` here is the admin API over HTTP). */
  useCases: Admin;
  /** Where its registry is: a temp dir, or `env.ARRA_DATA_DIR`. */
  dataDir: string;
  port: number;
  /** Every log line so far, as written (JSON lines). */
  logText(): string;
  /** Every log line so far, parsed. */
  logs(): Array<Record<string, unknown>>;
  /** `app.inject` with the admin bearer token. */
  admin(options: InjectOptions): Promise<LightMyRequestResponse>;
  /** `app.inject` with the broker secret. */
  broker(options: InjectOptions): Promise<LightMyRequestResponse>;
  /** Issues and records a token for a device, as `POST /v1/admin/devices/:id/tokens` does. */
  issueToken(deviceId: string, ttlSeconds?: number): Promise<{ token: string; jti: string }>;
}

export async function startTestVerifier(t: TestContext, options: TestVerifierOptions = {}): Promise<TestVerifier> {
  const dataDir = mkdtempSync(join(tmpdir(), 'arra-verifier-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const lines: string[] = [];
  const capture = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const config = loadConfig({
    ARRA_DATA_DIR: dataDir,
    ARRA_HTTP_PORT: '0',
    ARRA_BIND: '127.0.0.1',
    ARRA_WEBHOOK_SECRET: WEBHOOK_SECRET,
    ARRA_LOG_LEVEL: 'info',
    ...(!options.generateToken && { ARRA_ADMIN_TOKEN: ADMIN_TOKEN }),
    ...options.env,
  });
  // The first-start notice prints a generated token: keep it out of the test output.
  const logger = createLogger({ level: config.logLevel, destination: capture });
  const verifier = await startVerifier(config, { logger, stderr: new PassThrough().resume(), brokerClients: options.brokerClients });
  t.after(() => verifier.close());
  await options.provision?.(verifier.admin, verifier.store);
  const withHeader = (name: string, value: string) => (inject: InjectOptions) =>
    verifier.app.inject({ ...inject, headers: { [name]: value, ...inject.headers } });
  const { tokenTtlSeconds } = verifier.config;
  const { admin: useCases, ...running } = verifier;
  return {
    ...running,
    useCases,
    dataDir: config.dataDir,
    port: Number(new URL(verifier.url).port),
    logText: () => lines.join(''),
    logs: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    admin: withHeader('authorization', `Bearer ${ADMIN_TOKEN}`),
    broker: withHeader('x-arra-secret', WEBHOOK_SECRET),
    async issueToken(deviceId, ttlSeconds = tokenTtlSeconds) {
      const { token, jti } = await useCases.issueToken(deviceId, ttlSeconds);
      return { token, jti };
    },
  };
}
