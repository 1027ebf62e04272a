/**
 * The verifier as the reliability tests run it in-process: the whole shipped service
 * (`assembleVerifier`, SQLite in a temp dir, log captured in memory) listening on 127.0.0.1:0, plus
 * provisioning shortcuts that go through the store (tokens are issued exactly as the admin API does).
 *
 * @module reliability/verifier
 */
import type { TestContext } from 'node:test';
import { issueDeviceToken } from '../verifier/core/index.js';
import { ADMIN_TOKEN, startTestVerifier, WEBHOOK_SECRET, type TestVerifier } from '../verifier/test/helpers.js';

export { ADMIN_TOKEN, WEBHOOK_SECRET };

export interface ListeningVerifier extends TestVerifier {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Issues and records a token for a device, as `POST /v1/admin/devices/:id/tokens` does. */
  issueToken(deviceId: string, ttlSeconds?: number): Promise<{ token: string; jti: string }>;
}

/** Headers a broker sends to the decision endpoints. */
export const BROKER_HEADERS = { 'x-arra-secret': WEBHOOK_SECRET };
export const ADMIN_HEADERS = { authorization: `Bearer ${ADMIN_TOKEN}` };

export async function listeningVerifier(t: TestContext, env: Record<string, string> = {}): Promise<ListeningVerifier> {
  const verifier = await startTestVerifier(t, env);
  await verifier.app.listen({ host: '127.0.0.1', port: 0 });
  const address = verifier.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('verifier not listening on TCP');
  const { issuer, audience, tokenTtlSeconds } = verifier.config;
  return {
    ...verifier,
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    async issueToken(deviceId, ttlSeconds = tokenTtlSeconds) {
      const issued = await issueDeviceToken(verifier.store, Date, { deviceId, issuer, audience, ttlSeconds });
      verifier.store.recordToken(deviceId, { jti: issued.jti, expiresAt: issued.expiresAt });
      return { token: issued.token, jti: issued.jti };
    },
  };
}
