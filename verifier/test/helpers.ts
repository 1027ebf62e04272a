/**
 * Test support for the verifier's HTTP tests: the real service parts (SQLite file in a temp dir, the
 * decision core, the app) assembled exactly as `startVerifier` does, with the log captured in memory so
 * tests can read it back. Everything is closed in `t.after`.
 *
 * @module verifier/test/helpers
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../config.js';
import { assembleVerifier, type AssembledVerifier } from '../http/server.js';
import { createLogger } from '../../logging/logger.js';

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef';
export const WEBHOOK_SECRET = 'webhook-secret-for-tests-0123456789';

export interface TestVerifier extends AssembledVerifier {
  dataDir: string;
  /** Every log line so far, as written (JSON lines). */
  logText(): string;
  /** `app.inject` with the admin bearer token. */
  admin(options: InjectOptions): Promise<LightMyRequestResponse>;
  /** `app.inject` with the broker secret. */
  broker(options: InjectOptions): Promise<LightMyRequestResponse>;
}

export async function startTestVerifier(t: TestContext, env: Record<string, string> = {}): Promise<TestVerifier> {
  const dataDir = mkdtempSync(join(tmpdir(), 'arra-verifier-'));
  const lines: string[] = [];
  const capture = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const config = loadConfig({
    ARRA_DATA_DIR: dataDir,
    ARRA_ADMIN_TOKEN: ADMIN_TOKEN,
    ARRA_WEBHOOK_SECRET: WEBHOOK_SECRET,
    ARRA_HTTP_PORT: '0',
    ARRA_LOG_LEVEL: 'info',
    ...env,
  });
  const verifier = await assembleVerifier(config, createLogger({ level: 'info', destination: capture }));
  t.after(async () => {
    await verifier.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const withHeader = (name: string, value: string) => (options: InjectOptions) =>
    verifier.app.inject({ ...options, headers: { [name]: value, ...options.headers } });
  return {
    ...verifier,
    dataDir,
    logText: () => lines.join(''),
    admin: withHeader('authorization', `Bearer ${ADMIN_TOKEN}`),
    broker: withHeader('x-arra-secret', WEBHOOK_SECRET),
  };
}
