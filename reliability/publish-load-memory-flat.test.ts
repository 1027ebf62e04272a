/**
 * Sustained publish load through ACL checks: devices (JWT, in-process authorizer backed by the real
 * verifier) publish as fast as QoS 1 lets them, one publish in ten to a topic their ACL denies, while a
 * subscriber listens on both. The subscriber must never see a denied message (zero wrong decisions),
 * must see the allowed ones, and the heap after a full GC must stay flat between the warm-up and the
 * end. CI runs ~15 s; `ARRA_SOAK=1` runs minutes.
 *
 * @module reliability/publish-load-memory-flat
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { createInProcessAuthorizer } from '../broker/authorizers/in-process.js';
import { BrokerConfig } from '../broker/config.js';
import { startBroker } from '../broker/start.js';
import { recordResult, scale } from './harness.js';
import { startTestVerifier } from '../verifier/test/test-verifier.js';
import { DeviceCreate, RuleCreate } from '../schemas/admin.js';

const PUBLISHERS = 8;
// Soak stays under the runner's 300 s per-file timeout (scripts/run-tests.mjs); ARRA_LOAD_MS runs longer by hand.
const DURATION_MS = Number(process.env.ARRA_LOAD_MS ?? scale(15_000, 240_000));
const WARMUP_MS = 3_000;
/** Heap growth allowed between warm-up and end, after full GCs. */
const HEAP_GROWTH_BOUND = 24 * 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(50);
  }
  return process.memoryUsage().heapUsed;
}

async function connected(port: number, id: string, password: string): Promise<MqttClient> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: id, username: id, password, reconnectPeriod: 0 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}

test('sustained publish load with ACL checks: no denied message delivered, heap flat after GC', { timeout: DURATION_MS + 120_000 }, async (t) => {
  const v = await startTestVerifier(t, { env: { ARRA_LOG_LEVEL: 'warn' } });
  const ids = Array.from({ length: PUBLISHERS }, (_, i) => `load-${i}`);
  for (const id of [...ids, 'sink']) await v.useCases.createDevice(DeviceCreate.parse({ id }));
  for (const id of ids) await v.useCases.createRule(RuleCreate.parse({ subject: { kind: 'device', id }, action: 'publish', topic: `data/${id}/#`, permission: 'allow' }));
  await v.useCases.createRule(RuleCreate.parse({ subject: { kind: 'device', id: 'sink' }, action: 'subscribe', topic: '#', permission: 'allow' }));
  const authorizer = createInProcessAuthorizer(v.decider, (listener) => v.store.onChange(listener));
  t.after(() => authorizer.close());
  const broker = await startBroker(BrokerConfig.parse({ mqttPort: 0, sysInterval: 0, durability: 'memory' }), authorizer, { logger: pino({ level: 'silent' }) });
  t.after(() => broker.close());
  const port = broker.ports.mqtt;

  const sink = await connected(port, 'sink', (await v.issueToken('sink')).token);
  t.after(() => sink.end(true));
  await sink.subscribeAsync('#', { qos: 0 });
  let deliveredAllowed = 0;
  let deliveredDenied = 0;
  sink.on('message', (topic) => (topic.startsWith('secret/') ? deliveredDenied++ : deliveredAllowed++));

  const publishers = await Promise.all(ids.map(async (id) => connected(port, id, (await v.issueToken(id)).token)));
  t.after(() => Promise.all(publishers.map((p) => p.endAsync(true))));
  let allowedSent = 0;
  let deniedSent = 0;
  let errors = 0;
  let running = true;
  const payload = Buffer.alloc(256, 1);
  const loops = publishers.map(async (client, i) => {
    for (let n = 0; running; n++) {
      const denied = n % 10 === 9;
      try {
        await client.publishAsync(denied ? `secret/${ids[i]}` : `data/${ids[i]}/${n % 50}`, payload, { qos: 1 });
        if (denied) deniedSent++;
        else allowedSent++;
      } catch {
        errors++;
      }
    }
  });

  await sleep(WARMUP_MS);
  const heapWarm = await heapAfterGc();
  const rssWarm = process.memoryUsage().rss;
  await sleep(Math.max(0, DURATION_MS - WARMUP_MS));
  running = false;
  await Promise.all(loops);
  await sleep(500);
  const heapEnd = await heapAfterGc();
  const rssEnd = process.memoryUsage().rss;

  const seconds = DURATION_MS / 1000;
  recordResult('publish-load', {
    publishers: PUBLISHERS,
    durationMs: DURATION_MS,
    allowedSent,
    deniedSent,
    publishesPerSecond: Math.round((allowedSent + deniedSent) / seconds),
    deliveredAllowed,
    deliveredDenied,
    errors,
    heapAfterGc: { warm: heapWarm, end: heapEnd, growth: heapEnd - heapWarm, bound: HEAP_GROWTH_BOUND },
    rss: { warm: rssWarm, end: rssEnd },
  });
  assert.equal(deliveredDenied, 0, 'no message the ACL denies reached the subscriber');
  assert.equal(errors, 0);
  assert.ok(allowedSent > 1000 && deniedSent > 100, `enough load (${allowedSent} allowed, ${deniedSent} denied)`);
  assert.ok(deliveredAllowed >= allowedSent * 0.99, `allowed messages were delivered (${deliveredAllowed}/${allowedSent})`);
  assert.ok(heapEnd - heapWarm < HEAP_GROWTH_BOUND, `heap grew by ${heapEnd - heapWarm} bytes`);
});
