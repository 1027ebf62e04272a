/**
 * The server side of `bench:verifier`: the real verifier beside a do-nothing Fastify route with the
 * same setup, so their rates compare like for like. Prints its URLs and credentials as one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assembleVerifier, loadConfig } from '../../verifier/index.js';
import { issueDeviceToken } from '../../verifier/core/index.js';
import { droppedLogs, listenBesideNoop } from './reference-route.js';
import { DEVICE, FIRST_TOKENS, PASSWORD, PASSWORD_DEVICES, SECRET, passwordDevice } from './verifier-fixture.js';

const ADMIN = 'bench-admin-token-0123456789abcdef';


/** The store and cache the generator asks for (`bench:verifier`'s PostgreSQL and no-cache rows). */
const { ARRA_DATABASE_URL, ARRA_KEY_ENCRYPTION_KEY, ARRA_CACHE_SIZE } = process.env;
const firstTokenCount = Number(process.env.ARRA_BENCH_FIRST_TOKENS ?? FIRST_TOKENS);

const dataDir = mkdtempSync(join(tmpdir(), 'arra-bench-'));
const verifier = await assembleVerifier(
  loadConfig({ ARRA_DATA_DIR: dataDir, ARRA_ADMIN_TOKEN: ADMIN, ARRA_WEBHOOK_SECRET: SECRET, ARRA_DATABASE_URL, ARRA_KEY_ENCRYPTION_KEY, ARRA_CACHE_SIZE }),
  droppedLogs(),
);
const admin = (method: 'POST', url: string, payload: object) =>
  verifier.app.inject({ method, url: `/v1/admin${url}`, headers: { authorization: `Bearer ${ADMIN}` }, payload });
await admin('POST', '/devices', { id: DEVICE });
for (let i = 0; i < PASSWORD_DEVICES; i++) {
  await admin('POST', '/devices', { id: passwordDevice(i) });
  await admin('POST', `/devices/${passwordDevice(i)}/credentials`, { kind: 'password', secret: PASSWORD });
}
await admin('POST', '/rules', { subject: { kind: 'device', id: DEVICE }, action: 'all', topic: 'bench/${clientid}/#', permission: 'allow' });
const { token } = (await admin('POST', `/devices/${DEVICE}/tokens`, { ttlSeconds: 3600 })).json() as { token: string };
// Tokens never presented yet, for the first verification's cost (each one is checked in full once).
const firstTokens: string[] = [];
for (let i = 0; i < firstTokenCount; i++) {
  const issued = await issueDeviceToken(verifier.admin.keys, Date, { deviceId: DEVICE, issuer: verifier.config.issuer, audience: verifier.config.audience, ttlSeconds: 3600 });
  await verifier.admin.recordToken(DEVICE, { jti: issued.jti, expiresAt: issued.expiresAt });
  firstTokens.push(issued.token);
}

const { verifierUrl, noopUrl, noop } = await listenBesideNoop(verifier.app);
process.stdout.write(`${JSON.stringify({ verifierUrl, noopUrl, token, firstTokens })}\n`);

process.stdin.resume();
process.stdin.on('end', async () => {
  await Promise.all([verifier.close(), noop.close()]);
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
});
