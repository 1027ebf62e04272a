/**
 * The broker with the HTTP authorizer against a real HTTP verifier stand-in: allow and deny reach the
 * client as CONNACK codes, a verifier that is down or too slow is "server unavailable" (0x88 / 3),
 * the broker recovers when the verifier does, and a device disabled on the verifier is disconnected
 * within a second through the change feed.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import mqtt, { type IClientOptions } from 'mqtt';
import { createHttpAuthorizer } from '../authorizers/http.js';
import { STUB_SECRET, allowAll, startStubVerifier } from './authorizer-stub-verifier.js';
import { runBroker } from './ops-helpers.js';

async function brokerWithStub(t: TestContext, timeoutMs = 300) {
  const stub = await startStubVerifier(t);
  const authorizer = createHttpAuthorizer({
    url: stub.url, secret: STUB_SECRET, timeoutMs, changeFeed: { waitMs: 5000, minBackoffMs: 20, maxBackoffMs: 200 },
  });
  t.after(() => authorizer.close());
  const running = await runBroker(t, authorizer, { authorizerTimeoutMs: timeoutMs });
  return { stub, url: `mqtt://127.0.0.1:${running.ports.mqtt}` };
}

/** The CONNACK code a client gets: 0 when connected (the client is closed in t.after). */
function connackCode(t: TestContext, url: string, options: IClientOptions): Promise<number> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 4000, username: 'dev-1', password: 'pw', ...options });
  t.after(() => client.end(true));
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(0));
    client.once('error', (err) => ((err as { code?: unknown }).code !== undefined ? resolve(Number((err as { code: unknown }).code)) : reject(err)));
  });
}

test('an allow from the verifier connects; a deny is "bad username or password" in 3.1.1 and 5.0', async (t) => {
  const { stub, url } = await brokerWithStub(t);
  assert.equal(await connackCode(t, url, { clientId: 'dev-1' }), 0);
  stub.behaviour = { kind: 'decide', decide: () => ({ allow: false, reason: 'bad_credentials' }) };
  assert.equal(await connackCode(t, url, { clientId: 'dev-2', protocolVersion: 4 }), 4);
  assert.equal(await connackCode(t, url, { clientId: 'dev-3', protocolVersion: 5 }), 0x86);
  assert.equal(stub.requests.at(-1)?.password, 'pw');
});

test('a verifier that is down is "server unavailable" (0x88 / 3), and the broker recovers with it', async (t) => {
  const { stub, url } = await brokerWithStub(t);
  await stub.stop();
  assert.equal(await connackCode(t, url, { clientId: 'dev-1', protocolVersion: 5 }), 0x88);
  assert.equal(await connackCode(t, url, { clientId: 'dev-2', protocolVersion: 4 }), 3);
  await stub.start();
  assert.equal(await connackCode(t, url, { clientId: 'dev-3', protocolVersion: 5 }), 0);
});

test('a verifier slower than the timeout is "server unavailable" within the timeout', async (t) => {
  const { stub, url } = await brokerWithStub(t, 300);
  stub.behaviour = { kind: 'slow', delayMs: 2000, decision: allowAll({ clientId: 'dev-1' }) };
  const started = Date.now();
  assert.equal(await connackCode(t, url, { clientId: 'dev-1', protocolVersion: 5 }), 0x88);
  assert.ok(Date.now() - started < 1500, `answered after ${Date.now() - started} ms`);
});

test('a device disabled on the verifier is disconnected within a second through the change feed', async (t) => {
  const { stub, url } = await brokerWithStub(t);
  const client = mqtt.connect(url, { reconnectPeriod: 0, clientId: 'dev-9', username: 'dev-9', password: 'pw', protocolVersion: 5 });
  t.after(() => client.end(true));
  await new Promise((resolve, reject) => { client.once('connect', resolve); client.once('error', reject); });
  await new Promise((resolve) => setTimeout(resolve, 100)); // the feed's first poll is open
  const closed = new Promise<number>((resolve) => client.once('close', () => resolve(Date.now())));
  stub.behaviour = { kind: 'decide', decide: () => ({ allow: false, reason: 'disabled' }) };
  const at = Date.now();
  stub.change({ kind: 'device', deviceId: 'dev-9' });
  const closedAt = await Promise.race([closed, new Promise<number>((resolve) => setTimeout(() => resolve(Infinity), 2000))]);
  assert.ok(closedAt - at < 1000, `disconnected after ${closedAt - at} ms`);
});
