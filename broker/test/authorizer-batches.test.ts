/**
 * The HTTP authorizer asks concurrent CONNECTs in batches (`POST /v1/authenticate/batch`): against the
 * real verifier each gets its own decision and a slow one holds up no other; against a verifier from
 * before the route it asks one by one; a batch answer that breaks the contract, or never comes, fails
 * closed within the deadline.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { CredentialCreate, DeviceCreate } from '../../schemas/admin.js';
import type { AuthenticateDecision, AuthenticateRequest } from '../../schemas/index.js';
import { startTestVerifier, WEBHOOK_SECRET } from '../../verifier/test/test-verifier.js';
import { createHttpAuthorizer, type HttpAuthorizerOptions } from '../authorizers/http.js';
import { AuthorizerUnavailableError } from '../errors.js';
import { STUB_SECRET, allowAll, startStubVerifier } from './authorizer-stub-verifier.js';
import { silent } from './listeners-helpers.js';

const PASSWORD = 'batch-password-0123';
const unavailable = { code: AuthorizerUnavailableError.code };

function authorizer(t: TestContext, url: string, secret: string, extra: Partial<HttpAuthorizerOptions> = {}) {
  const a = createHttpAuthorizer({ url, secret, timeoutMs: 2000, changeFeed: false, logger: silent, ...extra });
  t.after(() => a.close());
  return a;
}

/** Requests to `route` the verifier has answered (with `status`, when given), from its own `/metrics`. */
async function answered(url: string, route: string, status?: number): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let count = 0;
  for (const match of text.matchAll(/^arra_http_request_duration_seconds_count\{([^}]*)\} (\d+)$/gm)) {
    const labels = match[1]!;
    if (labels.includes(`route="${route}"`) && (status === undefined || labels.includes(`status="${status}"`))) count += Number(match[2]);
  }
  return count;
}

const login = (id: string, password = PASSWORD): AuthenticateRequest => ({ clientId: id, username: id, password, peerAddress: '127.0.0.1' });

test('CONNECTs asked together reach the real verifier in batches, each with its own decision', async (t) => {
  const ids = Array.from({ length: 10 }, (_, i) => `dev-${i}`);
  const verifier = await startTestVerifier(t, {
    provision: async (admin) => {
      for (const id of ids) {
        await admin.createDevice(DeviceCreate.parse({ id }));
        await admin.addCredential(id, CredentialCreate.parse({ kind: 'password', secret: PASSWORD }));
      }
    },
  });
  const a = authorizer(t, verifier.url, WEBHOOK_SECRET);
  const asks = [...ids.map((id) => login(id)), ...ids.slice(0, 5).map((id) => login(id, 'wrong-password')), ...['ghost-1', 'ghost-2'].map((id) => login(id))];
  const decisions = await Promise.all(asks.map((ask) => a.authenticate(ask)));
  assert.deepEqual(decisions.map((d) => d.allow), [...ids.map(() => true), ...Array(7).fill(false)]);
  assert.deepEqual(decisions.slice(0, 10).map((d) => d.allow && d.deviceId), ids, 'each allow is for the device that asked');
  for (const d of decisions.slice(10)) assert.equal(!d.allow && d.reason, 'bad_credentials');
  const batches = await answered(verifier.url, '/v1/authenticate/batch');
  assert.ok(batches >= 1 && batches <= 3, `${asks.length} asks in ${batches} batch requests`);
  assert.equal(await answered(verifier.url, '/v1/authenticate'), 0, 'none was asked alone');

  // A device disabled now is refused in the next batch: nothing is kept on the broker's side.
  await verifier.useCases.patchDevice('dev-3', { enabled: false });
  const again = await Promise.all(ids.slice(2, 5).map((id) => a.authenticate(login(id))));
  assert.deepEqual(again.map((d) => (d.allow ? 'allow' : d.reason)), ['allow', 'disabled', 'allow']);
});

test('CONNECTs with large credentials go in smaller batches, never into the verifier\'s body limit', async (t) => {
  const verifier = await startTestVerifier(t);
  const a = authorizer(t, verifier.url, WEBHOOK_SECRET);
  // 12 x 60,000 characters: over the 1 MiB body limit in one batch.
  const asks = Array.from({ length: 12 }, (_, i) => login(`big-${i}`, 'x'.repeat(60_000)));
  const decisions = await Promise.all(asks.map((ask) => a.authenticate(ask)));
  for (const d of decisions) assert.equal(!d.allow && d.reason, 'bad_credentials');
  const batches = await answered(verifier.url, '/v1/authenticate/batch', 200);
  assert.ok(batches >= 3, `${asks.length} asks of 60 KB in ${batches} batches`);
  assert.equal(await answered(verifier.url, '/v1/authenticate/batch', 413), 0, 'no batch over the body limit');
  assert.equal(await answered(verifier.url, '/v1/authenticate'), 0, 'none was asked alone');
});

test('in a batch, a guess the lockout slows down holds up none of the others', async (t) => {
  const verifier = await startTestVerifier(t, {
    env: { ARRA_LOCKOUT_SLOW_AFTER: '1' },
    provision: async (admin) => {
      for (const id of ['dev-a', 'dev-b']) {
        await admin.createDevice(DeviceCreate.parse({ id }));
        await admin.addCredential(id, CredentialCreate.parse({ kind: 'password', secret: PASSWORD }));
      }
    },
  });
  const a = authorizer(t, verifier.url, WEBHOOK_SECRET);
  // Each password verified once (their reconnects are decided at once), and one failure on dev-a, so
  // its next guess waits the lockout's delay (250 ms) before its scrypt.
  await Promise.all(['dev-a', 'dev-b'].map((id) => a.authenticate(login(id))));
  assert.equal((await a.authenticate(login('dev-a', 'wrong-password'))).allow, false);
  const settled: Array<{ name: string; allow: boolean; at: number }> = [];
  const track = (name: string, p: Promise<AuthenticateDecision>) => p.then((d) => settled.push({ name, allow: d.allow, at: Date.now() }));
  await Promise.all([track('guess', a.authenticate(login('dev-a', 'wrong-password'))), track('a', a.authenticate(login('dev-a'))), track('b', a.authenticate(login('dev-b')))]);
  assert.deepEqual(settled.map((s) => `${s.name}:${s.allow}`), ['a:true', 'b:true', 'guess:false']);
  const gap = settled[2]!.at - settled[1]!.at;
  assert.ok(gap >= 150, `the others were decided ${gap} ms before the slowed guess`);
  assert.equal(await answered(verifier.url, '/v1/authenticate'), 0, 'asked as batches');
});

test('a verifier without the batch route (404) is asked one CONNECT at a time, and every ask is decided', async (t) => {
  const stub = await startStubVerifier(t);
  const a = authorizer(t, stub.url, STUB_SECRET);
  const asks = Array.from({ length: 6 }, (_, i) => login(`dev-${i}`));
  const first = await Promise.all(asks.map((ask) => a.authenticate(ask)));
  assert.ok(first.every((d) => d.allow));
  assert.equal(stub.requests.length, asks.length, 'each asked on /v1/authenticate');
  assert.deepEqual(stub.batches, [], 'the stub never answered a batch');
});

test('an "unavailable" line is asked again one by one; a line that breaks the contract fails the batch closed', async (t) => {
  const stub = await startStubVerifier(t);
  const a = authorizer(t, stub.url, STUB_SECRET);
  const pair = [login('dev-1'), login('dev-2')];
  stub.batch = (requests) => ({ status: 200, body: `${JSON.stringify({ index: 0, unavailable: true })}\n${JSON.stringify({ index: 1, decision: allowAll(requests[1]!) })}\n` });
  const decided = await Promise.all(pair.map((ask) => a.authenticate(ask)));
  assert.deepEqual(decided.map((d) => d.allow), [true, true]);
  assert.deepEqual(stub.requests, [pair[0]], 'only the undecided one was asked again alone');

  const broken = [
    'not json\n',
    `${JSON.stringify({ index: 0, decision: { allow: true } })}\n`,
    `${JSON.stringify({ index: 5, decision: { allow: false, reason: 'disabled' } })}\n`,
    `${JSON.stringify({ index: 0, decision: { allow: false, reason: 'disabled' } })}\n${JSON.stringify({ index: 0, decision: { allow: false, reason: 'disabled' } })}\n`,
    JSON.stringify({ index: 0, decision: { allow: false, reason: 'disabled' } }), // no newline: unfinished
  ];
  for (const body of broken) {
    stub.batch = () => ({ status: 200, body });
    const outcomes = await Promise.allSettled(pair.map((ask) => a.authenticate(ask)));
    for (const outcome of outcomes) {
      if (outcome.status === 'fulfilled') assert.notEqual(outcome.value.allow, true, `${body.slice(0, 40)}: never an allow`);
    }
    assert.ok(outcomes.some((o) => o.status === 'rejected'), `${body.slice(0, 40)}: fails closed`);
    for (const o of outcomes) if (o.status === 'rejected') assert.equal((o.reason as { code?: string }).code, unavailable.code);
  }
});

test('a batch the verifier never answers fails closed within the deadline', async (t) => {
  const stub = await startStubVerifier(t);
  stub.batch = () => 'hang';
  const a = authorizer(t, stub.url, STUB_SECRET, { timeoutMs: 300 });
  const started = Date.now();
  const outcomes = await Promise.allSettled([login('dev-1'), login('dev-2'), login('dev-3')].map((ask) => a.authenticate(ask)));
  const took = Date.now() - started;
  for (const o of outcomes) assert.equal(o.status === 'rejected' && (o.reason as { code?: string }).code, unavailable.code);
  assert.ok(took < 1000, `failed closed in ${took} ms (deadline 300 ms)`);
});
