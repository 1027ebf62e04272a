import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { request } from 'undici';
import { loadConfig } from '../../verifier/config.js';
import { startVerifier } from '../../verifier/http/server.js';
import { createLogger } from '../../logging/logger.js';

const silent = () => createLogger({ level: 'silent' });

test('first start generates 0600 secret files and prints the admin token once; a restart reuses them', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'arra-start-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = { ARRA_DATA_DIR: dataDir, ARRA_HTTP_PORT: '0', ARRA_JWT_ALG: 'ES256' };

  const stderr1 = new PassThrough();
  const first = await startVerifier(loadConfig(env), { logger: silent(), stderr: stderr1 });
  const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  assert.equal(statSync(join(dataDir, 'admin-token')).mode & 0o777, 0o600);
  assert.equal(statSync(join(dataDir, 'webhook-secret')).mode & 0o777, 0o600);
  // Never option-shaped: `arra-mq --token "$T"` must work whatever the random bytes were.
  assert.match(token, /^arra_[A-Za-z0-9_-]{43}$/);
  assert.match(readFileSync(join(dataDir, 'webhook-secret'), 'utf8').trim(), /^arra_[A-Za-z0-9_-]{43}$/);
  assert.match(String(stderr1.read()), new RegExp(token));
  const keys = await request(`${first.url}/v1/admin/keys`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(keys.statusCode, 200);
  assert.deepEqual(((await keys.body.json()) as Array<{ status: string; alg: string }>).filter((k) => k.status === 'active').map((k) => k.alg), ['ES256']);
  await first.close();

  const stderr2 = new PassThrough();
  const second = await startVerifier(loadConfig(env), { logger: silent(), stderr: stderr2 });
  t.after(() => second.close());
  assert.equal(stderr2.read(), null, 'the token is shown on first start only');
  const again = await request(`${second.url}/v1/admin/devices`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(again.statusCode, 200);
  await again.body.dump();
});

test('over a real socket, brokers get allow and deny, and an address in ARRA_WEBHOOK_ALLOW needs no secret', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'arra-start-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const adminToken = 'socket-test-admin-token-0123456789';
  const verifier = await startVerifier(
    loadConfig({ ARRA_DATA_DIR: dataDir, ARRA_HTTP_PORT: '0', ARRA_ADMIN_TOKEN: adminToken, ARRA_WEBHOOK_ALLOW: '127.0.0.0/8' }),
    { logger: silent() },
  );
  t.after(() => verifier.close());
  const admin = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
  const post = (path: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    request(`${verifier.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });

  assert.equal((await post('/v1/admin/devices', { id: 'dev-1' }, admin)).statusCode, 201);
  const cred = await post('/v1/admin/devices/dev-1/credentials', { kind: 'password', secret: 'socket-password' }, admin);
  assert.equal(cred.statusCode, 201);
  await cred.body.dump();

  const allow = await post('/v1/authenticate', { clientId: 'dev-1', username: 'dev-1', password: 'socket-password' });
  assert.equal(allow.statusCode, 200);
  assert.equal(((await allow.body.json()) as { allow: boolean }).allow, true);
  const deny = await post('/v1/authenticate', { clientId: 'dev-1', username: 'dev-1', password: 'wrong' });
  assert.equal(deny.statusCode, 403);
  assert.equal(((await deny.body.json()) as { reason: string }).reason, 'bad_credentials');
  const health = await request(`${verifier.url}/healthz`);
  assert.deepEqual(await health.body.json(), { status: 'ok' });
});
