/**
 * The broker's HTTP authorizer in front of two real verifier processes on one registry: when the
 * preferred one is killed -9 or hangs, devices keep being admitted through the other within the one
 * decision deadline, the change feed follows, and traffic returns to the preferred one once it is back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { startVerifierProcess, type VerifierProcess } from '../../verifier/test/process.js';
import { WEBHOOK_SECRET } from '../../verifier/test/test-verifier.js';
import { createHttpAuthorizer } from '../authorizers/http.js';
import { runBroker } from './ops-helpers.js';

const DECISION_DEADLINE_MS = 3000;

function capturingLogger() {
  const lines: Array<{ msg: string; verifier?: string }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString()) as (typeof lines)[number]);
      callback();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

/** Two verifier processes on one SQLite registry holding dev-1 with a password. */
async function twoVerifiers(t: TestContext): Promise<{ a: VerifierProcess; b: VerifierProcess; password: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'arra-failover-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const a = await startVerifierProcess(t, { ARRA_DATA_DIR: dataDir });
  await a.admin('POST', '/devices', { id: 'dev-1' });
  const { secret } = (await a.admin('POST', '/devices/dev-1/credentials', { kind: 'password' })) as { secret: string };
  const b = await startVerifierProcess(t, { ARRA_DATA_DIR: dataDir });
  return { a, b, password: secret };
}

async function brokerAsking(t: TestContext, urls: string[]) {
  const { logger, lines } = capturingLogger();
  const authorizer = createHttpAuthorizer({
    url: urls, secret: WEBHOOK_SECRET, timeoutMs: DECISION_DEADLINE_MS, probeMs: 100, logger,
    changeFeed: { waitMs: 2000, minBackoffMs: 50, maxBackoffMs: 200 },
  });
  t.after(() => authorizer.close());
  const broker = await runBroker(t, authorizer);
  return { url: `mqtt://127.0.0.1:${broker.ports.mqtt}`, lines };
}

/** Connects dev-1; resolves with how long CONNACK took, rejects on a refusal. */
function connectDevice(t: TestContext, url: string, password: string): Promise<{ ms: number; client: mqtt.MqttClient }> {
  const started = Date.now();
  const client = mqtt.connect(url, { clientId: 'dev-1', username: 'dev-1', password, reconnectPeriod: 0, connectTimeout: 10_000, protocolVersion: 5 });
  t.after(() => client.end(true));
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve({ ms: Date.now() - started, client }));
    client.once('error', reject);
  });
}

async function until(predicate: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!predicate() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return predicate();
}

test('a verifier killed -9 is skipped: devices are admitted through the next, and the preferred one is used again once back', async (t) => {
  const verifiers = await twoVerifiers(t);
  const { b, password } = verifiers;
  let { a } = verifiers;
  const broker = await brokerAsking(t, [a.url, b.url]);
  (await connectDevice(t, broker.url, password)).client.end(true);

  await a.kill('SIGKILL');
  const through = await connectDevice(t, broker.url, password);
  assert.ok(through.ms < DECISION_DEADLINE_MS, `admitted through the second verifier in ${through.ms} ms`);
  through.client.end(true);
  assert.ok(broker.lines.some((l) => l.msg.includes('stopped answering') && l.verifier === new URL(a.url).origin), 'the failover is logged');

  a = await a.restart();
  assert.ok(await until(() => broker.lines.some((l) => l.msg === 'verifier replica answers again'), 10_000), 'the probe sees it back');
  await b.kill('SIGKILL');
  const back = await connectDevice(t, broker.url, password);
  assert.ok(back.ms < DECISION_DEADLINE_MS, `admitted through the first verifier again in ${back.ms} ms`);
  // Asked first, the killed second verifier would have been marked down.
  assert.ok(!broker.lines.some((l) => l.msg.includes('stopped answering') && l.verifier === new URL(b.url).origin), 'the first verifier was asked, not the second');
});

test('a verifier that hangs is skipped within the decision deadline, and the change feed follows to the next', async (t) => {
  const { a, b, password } = await twoVerifiers(t);
  const broker = await brokerAsking(t, [a.url, b.url]);
  a.child.kill('SIGSTOP');
  t.after(() => a.child.kill('SIGCONT'));
  const connected = await connectDevice(t, broker.url, password);
  assert.ok(connected.ms < DECISION_DEADLINE_MS, `admitted through the second verifier in ${connected.ms} ms`);

  const closed = new Promise<number>((resolve) => connected.client.once('close', () => resolve(Date.now())));
  const moved = (l: { msg: string; verifier?: string }) => l.msg === 'change feed moved to another verifier replica' && l.verifier === new URL(b.url).origin;
  assert.ok(await until(() => broker.lines.some(moved), 5000), 'the change feed left the hung verifier');
  const disabledAt = Date.now();
  await b.admin('PATCH', '/devices/dev-1', { enabled: false });
  const closedAt = await Promise.race([closed, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 10_000))]);
  assert.ok(closedAt > 0, 'the device is disconnected after its disable through the second verifier');
  assert.ok(closedAt - disabledAt < 2000, `disconnected ${closedAt - disabledAt} ms after the disable`);
});
