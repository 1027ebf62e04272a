/**
 * Log grep over a full run of the real processes (`runtime/verifier.ts` and `runtime/broker.ts` with the
 * HTTP authorizer, both at debug level, stdout and stderr captured to a file): provision over the
 * admin API, connect with a password, a generated password, a JWT; publish allowed and denied; wrong
 * passwords, a wrong admin token, adapter calls with credentials in bodies and query strings. Then
 * every secret in play — admin token, webhook secret, passwords, tokens (whole and signature part),
 * private keys (device key PEM, CA key PEM, signing key JWK `d`) — must appear zero times in the file.
 *
 * @module reliability/security-no-secrets-in-logs
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { DATABASE_FILE } from '../verifier/store/index.js';
import { http, postJson, recordResult, spawnChild, tempDir } from './harness.js';
import { connectOnce } from './mqtt-raw.js';
import { ADMIN_HEADERS, ADMIN_TOKEN, BROKER_HEADERS, WEBHOOK_SECRET } from '../verifier/test/test-verifier.js';

const PASSWORD = 'log-grep-password-Zq81';
const WRONG_PASSWORD = 'log-grep-wrong-guess-Yx42';
const WRONG_ADMIN = 'log-grep-wrong-admin-token-Wv73';

/** Base64 lines of a PEM body long enough to be unmistakable. */
const pemFragments = (pem: string) => pem.split('\n').filter((line) => /^[A-Za-z0-9+/=]{40,}$/.test(line));

test('a full run (provision, connect, publish, deny) logs none of the secrets it used', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const dataDir = join(dir, 'data');
  const verifier = await spawnChild(t, 'runtime/verifier.ts', {
    env: { ARRA_DATA_DIR: dataDir, ARRA_HTTP_PORT: '0', ARRA_ADMIN_TOKEN: ADMIN_TOKEN, ARRA_WEBHOOK_SECRET: WEBHOOK_SECRET, ARRA_LOG_LEVEL: 'debug' },
    readyWhen: (line) => line.msg === 'verifier listening',
  });
  const url = verifier.ready.url as string;
  const admin = (method: string, path: string, body?: unknown) =>
    http(url, method, path, { headers: { ...ADMIN_HEADERS, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });

  // 1. Provision over the admin API.
  for (const id of ['log-pw', 'log-gen', 'log-jwt', 'log-cert']) assert.equal((await admin('POST', '/v1/admin/devices', { id })).status, 201);
  assert.equal((await admin('POST', '/v1/admin/devices/log-pw/credentials', { kind: 'password', secret: PASSWORD })).status, 201);
  const generated = (await admin('POST', '/v1/admin/devices/log-gen/credentials', { kind: 'password' })).json as { secret: string };
  const token = ((await admin('POST', '/v1/admin/devices/log-jwt/tokens', {})).json as { token: string }).token;
  const cert = (await admin('POST', '/v1/admin/devices/log-cert/certificates', {})).json as { keyPem: string };
  assert.equal((await admin('POST', '/v1/admin/rules', { subject: { kind: 'all' }, action: 'all', topic: 'ok/#', permission: 'allow' })).status, 201);
  await http(url, 'GET', '/v1/admin/devices', { headers: { authorization: `Bearer ${WRONG_ADMIN}` } });

  // 2. The broker process, asking the verifier over HTTP.
  const broker = await spawnChild(t, 'runtime/broker.ts', {
    env: { ARRA_VERIFIER_URL: url, ARRA_WEBHOOK_SECRET: WEBHOOK_SECRET, ARRA_MQTT_PORT: '0', ARRA_SYS_INTERVAL: '0', ARRA_LOG_LEVEL: 'debug', ARRA_DATA_DIR: dataDir },
    readyWhen: (line) => line.msg === 'broker listening',
  });
  const port = (broker.ready.ports as { mqtt: number }).mqtt;

  // 3. Connect, publish allowed and denied, subscribe denied; wrong passwords.
  const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: 'log-pw', username: 'log-pw', password: PASSWORD, reconnectPeriod: 0, protocolVersion: 5 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.publishAsync('ok/x', 'hello', { qos: 1 });
  assert.equal((await admin('GET', '/v1/admin/connections')).status, 200, 'asked through the control socket, with the webhook secret');
  await client.publishAsync('denied/x', 'nope', { qos: 1 }).catch(() => undefined);
  await client.subscribeAsync('denied/#').catch(() => undefined);
  await client.endAsync();
  const outcomes = {
    generated: await connectOnce(port, { clientId: 'log-gen', username: 'log-gen', password: generated.secret }),
    jwt: await connectOnce(port, { clientId: 'log-jwt', username: 'log-jwt', password: token }),
    jwtAsUsername: await connectOnce(port, { clientId: 'log-jwt', username: token }),
    wrong: await connectOnce(port, { clientId: 'log-pw', username: 'log-pw', password: WRONG_PASSWORD }),
  };

  // 4. Adapters with credentials in bodies and in query strings (NanoMQ GET, go-auth form).
  await postJson(url, '/go-auth/user', { clientid: 'log-pw', username: 'log-pw', password: PASSWORD }, BROKER_HEADERS);
  await http(url, 'GET', `/nanomq/auth?clientid=log-pw&username=log-pw&password=${PASSWORD}`, { headers: BROKER_HEADERS });
  await http(url, 'GET', `/nanomq/auth?clientid=log-pw&username=log-pw&password=${WRONG_PASSWORD}&secret=${WEBHOOK_SECRET}`);
  await postJson(url, '/emqx/authn', { clientid: 'log-jwt', username: 'log-jwt', password: token }, BROKER_HEADERS);
  await postJson(url, '/go-auth/jwt/user', {}, { ...BROKER_HEADERS, authorization: `Bearer ${token}` });
  await sleep(300);

  // 5. Stop both, write what they said to one file, and grep it.
  broker.process.kill('SIGTERM');
  verifier.process.kill('SIGTERM');
  await Promise.all([broker.exit, verifier.exit]);
  const logFile = join(dir, 'full-run.log');
  writeFileSync(logFile, verifier.output() + broker.output());
  const log = readFileSync(logFile, 'utf8');

  const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
  const signingD = (db.prepare('SELECT private_jwk FROM signing_keys').pluck().all() as string[]).map((jwk) => (JSON.parse(jwk) as { d: string }).d);
  const caKey = db.prepare('SELECT key_pem FROM device_ca').pluck().get() as string;
  db.close();
  const secrets: Record<string, string[]> = {
    'admin token': [ADMIN_TOKEN],
    'wrong admin token': [WRONG_ADMIN],
    'webhook secret': [WEBHOOK_SECRET],
    password: [PASSWORD],
    'wrong password': [WRONG_PASSWORD],
    'generated password': [generated.secret],
    'JWT': [token],
    'JWT signature': [token.split('.')[2]!],
    'device private key PEM': pemFragments(cert.keyPem),
    'CA private key PEM': pemFragments(caKey),
    'signing key d': signingD,
  };
  const hits = Object.fromEntries(
    Object.entries(secrets).map(([name, values]) => [name, values.reduce((n, value) => n + log.split(value).length - 1, 0)]),
  );
  const lines = log.split('\n').filter(Boolean).length;
  recordResult('security-log-grep', { logLines: lines, logBytes: log.length, connects: outcomes, secretsChecked: Object.values(secrets).flat().length, hits });

  assert.deepEqual(outcomes, { generated: 0, jwt: 0, jwtAsUsername: 0, wrong: 4 });
  assert.ok(lines > 20, `the run logged something to grep (${lines} lines)`);
  assert.ok(Object.values(secrets).every((values) => values.length > 0 && values.every((v) => v.length >= 16)), 'every secret is long enough to grep');
  assert.deepEqual(Object.entries(hits).filter(([, n]) => n > 0), [], 'no secret in any log line');
});
