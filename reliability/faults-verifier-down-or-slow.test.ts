/**
 * The verifier down or slow while the bundled broker asks it over HTTP (a controllable TCP proxy sits
 * between them): new CONNECTs get "server unavailable" (3.1.1 CONNACK 3, 5.0 0x88), sessions that
 * were let in before keep publishing and receiving, and the broker lets new devices in again by
 * itself once the verifier answers.
 *
 * @module reliability/faults-verifier-down-or-slow
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { createHttpAuthorizer } from '../broker/authorizers/http.js';
import { BrokerConfig } from '../broker/config.js';
import { startBroker } from '../broker/start.js';
import { faultProxy } from './fault-proxy.js';
import { recordResult } from './harness.js';
import { connectOnce } from './mqtt-raw.js';
import { startTestVerifier, WEBHOOK_SECRET } from '../verifier/test/test-verifier.js';
import { DeviceCreate, RuleCreate } from '../schemas/admin.js';

const AUTH_TIMEOUT_MS = 500;

test('verifier down or slow: new CONNECTs get server unavailable, open sessions keep working, recovery by itself', { timeout: 120_000 }, async (t) => {
  const v = await startTestVerifier(t, { env: { ARRA_LOG_LEVEL: 'warn', ARRA_CACHE_SIZE: '0' } });
  for (const id of ['dev-live', 'dev-new']) {
    await v.useCases.createDevice(DeviceCreate.parse({ id }));
    await v.useCases.createRule(RuleCreate.parse({ subject: { kind: 'device', id }, action: 'all', topic: `dev/${id}/#`, permission: 'allow' }));
  }
  const live = await v.issueToken('dev-live');
  const fresh = await v.issueToken('dev-new');
  const proxy = await faultProxy(t, v.port);
  const authorizer = createHttpAuthorizer({ url: proxy.url, secret: WEBHOOK_SECRET, timeoutMs: AUTH_TIMEOUT_MS, changeFeed: { waitMs: 1000, minBackoffMs: 100, maxBackoffMs: 500 } });
  t.after(() => authorizer.close());
  const broker = await startBroker(BrokerConfig.parse({ mqttPort: 0, sysInterval: 0, durability: 'memory', authorizerTimeoutMs: AUTH_TIMEOUT_MS }), authorizer, { logger: pino({ level: 'silent' }) });
  t.after(() => broker.close());
  const port = broker.ports.mqtt;
  const newDevice = (version: 4 | 5) => connectOnce(port, { clientId: 'dev-new', username: 'dev-new', password: fresh.token, version, timeoutMs: 10_000 });

  // A session let in while the verifier is healthy.
  const session = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: 'dev-live', username: 'dev-live', password: live.token, reconnectPeriod: 0 });
  t.after(() => session.end(true));
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
  });
  await session.subscribeAsync('dev/dev-live/#', { qos: 1 });
  let echoed = 0;
  session.on('message', () => echoed++);
  const roundTrip = async (label: string) => {
    const before = echoed;
    await session.publishAsync('dev/dev-live/x', label, { qos: 1 });
    for (let i = 0; i < 50 && echoed === before; i++) await sleep(20);
    return echoed > before;
  };
  assert.equal(await newDevice(4), 0, 'a healthy verifier lets the device in');

  const outcomes: Record<string, unknown> = {};
  proxy.set('down');
  outcomes.downV4 = await newDevice(4);
  outcomes.downV5 = await newDevice(5);
  outcomes.downSessionWorks = await roundTrip('down');

  proxy.set({ slowMs: AUTH_TIMEOUT_MS * 4 });
  outcomes.slowV4 = await newDevice(4);
  outcomes.slowV5 = await newDevice(5);
  outcomes.slowSessionWorks = await roundTrip('slow');

  proxy.set('up');
  const recoveryStart = Date.now();
  let recovered: unknown;
  for (let i = 0; i < 40; i++) {
    recovered = await newDevice(4);
    if (recovered === 0) break;
    await sleep(250);
  }
  outcomes.recoveredV4 = recovered;
  outcomes.recoveryMs = Date.now() - recoveryStart;
  outcomes.recoveredV5 = await newDevice(5);
  outcomes.upSessionWorks = await roundTrip('up');
  recordResult('faults-verifier-down-or-slow', outcomes);

  assert.deepEqual(
    { ...outcomes, recoveryMs: 0 },
    { downV4: 3, downV5: 0x88, downSessionWorks: true, slowV4: 3, slowV5: 0x88, slowSessionWorks: true, recoveredV4: 0, recoveryMs: 0, recoveredV5: 0, upSessionWorks: true },
  );
});
