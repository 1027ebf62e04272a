/**
 * The HTTP authorizer against a real HTTP stand-in of the verifier: decisions pass through, every
 * non-decision fails closed with AuthorizerUnavailableError, and the change feed delivers changes
 * fast, survives an outage and then asks for a full re-check.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { Change } from '../../schemas/index.js';
import { AuthorizerUnavailableError } from '../errors.js';
import { createHttpAuthorizer, type HttpAuthorizerOptions } from '../authorizers/http.js';
import { STUB_SECRET, allowAll, startStubVerifier } from './authorizer-stub-verifier.js';

const request = { clientId: 'dev-1', username: 'dev-1', password: 'pw-not-logged', peerAddress: '127.0.0.1' };
const unavailable = { code: AuthorizerUnavailableError.code };

function authorizer(t: TestContext, url: string | string[], extra: Partial<HttpAuthorizerOptions> = {}) {
  const a = createHttpAuthorizer({ url, secret: STUB_SECRET, timeoutMs: 300, changeFeed: false, ...extra });
  t.after(() => a.close());
  return a;
}

function collect(a: { onChange(l: (c: Change) => void): () => void }) {
  const seen: Array<{ change: Change; at: number }> = [];
  a.onChange((change) => seen.push({ change, at: Date.now() }));
  return seen;
}

async function until(predicate: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (predicate()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return predicate();
}

test('a 200 allow from the verifier is the decision, and the request carries the shared secret', async (t) => {
  const stub = await startStubVerifier(t);
  const decision = await authorizer(t, stub.url).authenticate(request);
  assert.equal(decision.allow, true);
  assert.deepEqual(stub.requests, [request]);
});

test('a 403 deny from the verifier is the decision', async (t) => {
  const stub = await startStubVerifier(t, { kind: 'decide', decide: () => ({ allow: false, reason: 'disabled' }) });
  assert.deepEqual(await authorizer(t, stub.url).authenticate(request), { allow: false, reason: 'disabled' });
});

test('a wrong secret (401), a 500, an invalid body or a status that contradicts the body fail closed', async (t) => {
  const stub = await startStubVerifier(t);
  await assert.rejects(authorizer(t, stub.url, { secret: 'wrong' }).authenticate(request), unavailable);
  const a = authorizer(t, stub.url);
  const cases = [
    { status: 500, body: '{"error":"internal"}' },
    { status: 200, body: 'not json' },
    { status: 200, body: '{"allow":true}' },
    { status: 200, body: JSON.stringify({ allow: false, reason: 'disabled' }) },
    { status: 403, body: JSON.stringify(allowAll(request)) },
  ];
  for (const raw of cases) {
    stub.behaviour = { kind: 'raw', ...raw };
    await assert.rejects(a.authenticate(request), unavailable, `${raw.status} ${raw.body}`);
  }
});

test('a verifier that is down fails closed at once', async (t) => {
  const stub = await startStubVerifier(t);
  await stub.stop();
  await assert.rejects(authorizer(t, stub.url).authenticate(request), unavailable);
});

test('a verifier slower than the timeout fails closed within the timeout, and recovers', async (t) => {
  const stub = await startStubVerifier(t, { kind: 'slow', delayMs: 1500, decision: allowAll(request) });
  const a = authorizer(t, stub.url);
  const started = Date.now();
  await assert.rejects(a.authenticate(request), unavailable);
  assert.ok(Date.now() - started < 1000, 'gave up at the timeout');
  stub.behaviour = { kind: 'decide', decide: allowAll };
  assert.equal((await a.authenticate(request)).allow, true);
});

test('the change feed delivers a change within a second of it happening on the verifier', async (t) => {
  const stub = await startStubVerifier(t);
  const a = authorizer(t, stub.url, { changeFeed: { waitMs: 5000 } });
  const seen = collect(a);
  await new Promise((resolve) => setTimeout(resolve, 100)); // the long poll is open
  const at = Date.now();
  stub.change({ kind: 'device', deviceId: 'dev-7' });
  const device = () => seen.find((s) => s.change.kind === 'device');
  assert.ok(await until(() => device() !== undefined, 1000));
  assert.deepEqual(device()?.change, { kind: 'device', deviceId: 'dev-7' });
  assert.ok(device()!.at - at < 1000);
});

test('the first answer of the feed asks for a full re-check: changes before it may have been missed', async (t) => {
  const stub = await startStubVerifier(t);
  const a = authorizer(t, stub.url, { changeFeed: { waitMs: 5000 } });
  const seen = collect(a);
  assert.ok(await until(() => seen.length > 0, 1000));
  assert.deepEqual(seen.map((s) => s.change), [{ kind: 'all' }]);
});

test('changes: null from the verifier becomes a change of kind all', async (t) => {
  const stub = await startStubVerifier(t);
  const a = authorizer(t, stub.url, { changeFeed: { waitMs: 5000 } });
  const seen = collect(a);
  assert.ok(await until(() => seen.length > 0, 1000)); // the start's re-check
  await new Promise((resolve) => setTimeout(resolve, 100));
  seen.length = 0;
  stub.forget();
  assert.ok(await until(() => seen.length > 0, 1000));
  assert.deepEqual(seen.map((s) => s.change), [{ kind: 'all' }]);
});

test('after a verifier outage the feed reconnects and asks for a full re-check', async (t) => {
  const stub = await startStubVerifier(t);
  const a = authorizer(t, stub.url, { changeFeed: { waitMs: 5000, minBackoffMs: 20, maxBackoffMs: 100 } });
  const seen = collect(a);
  assert.ok(await until(() => seen.length > 0, 1000)); // the start's re-check
  seen.length = 0;
  await stub.stop();
  await new Promise((resolve) => setTimeout(resolve, 200));
  await stub.start();
  assert.ok(await until(() => seen.length > 0, 1000));
  assert.deepEqual(seen[0]?.change, { kind: 'all' });
  stub.change({ kind: 'device', deviceId: 'dev-8' });
  assert.ok(await until(() => seen.some((s) => s.change.kind === 'device'), 1000));
});

test('close() ends an open long poll promptly', async (t) => {
  const stub = await startStubVerifier(t);
  const a = createHttpAuthorizer({ url: stub.url, secret: STUB_SECRET, changeFeed: { waitMs: 20_000 } });
  await new Promise((resolve) => setTimeout(resolve, 100));
  const started = Date.now();
  await a.close();
  assert.ok(Date.now() - started < 1000);
});

test('with replicas, a 5xx moves to the next one, but a 4xx (a wrong secret is wrong everywhere) fails closed at once', async (t) => {
  const first = await startStubVerifier(t, { kind: 'raw', status: 503, body: '{"error":"closed"}' });
  const second = await startStubVerifier(t);
  const a = authorizer(t, [first.url, second.url]);
  assert.equal((await a.authenticate(request)).allow, true, 'the second replica decided');
  assert.equal(second.requests.length, 1);

  const refusing = await startStubVerifier(t, { kind: 'raw', status: 401, body: '{"error":"secret"}' });
  const third = await startStubVerifier(t);
  await assert.rejects(authorizer(t, [refusing.url, third.url]).authenticate(request), unavailable);
  assert.equal(third.requests.length, 0, 'the next replica was not asked');
});
