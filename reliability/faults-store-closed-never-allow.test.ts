/**
 * The registry fails under the running service (its SQLite handle closed, as after a disk or driver
 * fault): every decision route — native and every adapter dialect — answers "cannot decide" in its
 * broker's terms and never allow, and `/healthz` says the registry is unavailable. The same requests
 * were allowed a moment before, so the test proves the fault, not a bad request, made the difference.
 *
 * @module reliability/faults-store-closed-never-allow
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { http, postJson, recordResult, type HttpAnswer } from './harness.js';
import { BROKER_HEADERS, startTestVerifier } from '../verifier/test/test-verifier.js';
import { CredentialCreate, DeviceCreate, RuleCreate } from '../schemas/admin.js';

const PASSWORD = 'store-fault-password-1';
const identity = { clientid: 'dev-sf', username: 'dev-sf', password: PASSWORD };
const acl = { clientid: 'dev-sf', username: 'dev-sf', topic: 'dev/dev-sf/t' };

interface Probe {
  name: string;
  send: (base: string) => Promise<HttpAnswer>;
  isAllow: (answer: HttpAnswer) => boolean;
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const post = (path: string, body: unknown) => (base: string) => postJson(base, path, body, BROKER_HEADERS);
const postForm = (path: string, fields: Record<string, string>) => (base: string) =>
  http(base, 'POST', path, { headers: { ...BROKER_HEADERS, 'content-type': 'application/x-www-form-urlencoded' }, body: form(fields) });

const PROBES: Probe[] = [
  { name: 'native authenticate', send: post('/v1/authenticate', { clientId: 'dev-sf', username: 'dev-sf', password: PASSWORD }), isAllow: (a) => a.status === 200 },
  { name: 'native authorize', send: post('/v1/authorize', { clientId: 'dev-sf', username: 'dev-sf', action: 'publish', topic: acl.topic }), isAllow: (a) => a.status === 200 },
  { name: 'nanomq auth', send: postForm('/nanomq/auth', identity), isAllow: (a) => a.status === 200 },
  { name: 'nanomq acl', send: postForm('/nanomq/acl', { ...acl, access: '2' }), isAllow: (a) => a.status === 200 },
  { name: 'go-auth user', send: post('/go-auth/user', identity), isAllow: (a) => a.status >= 200 && a.status < 300 },
  { name: 'go-auth json user', send: post('/go-auth/json/user', identity), isAllow: (a) => a.status >= 200 && a.status < 300 && (a.json as { ok?: boolean })?.ok === true },
  { name: 'go-auth text user', send: post('/go-auth/text/user', identity), isAllow: (a) => a.status >= 200 && a.status < 300 && a.text === 'ok' },
  { name: 'go-auth acl', send: post('/go-auth/acl', { ...acl, acc: 2 }), isAllow: (a) => a.status >= 200 && a.status < 300 },
  { name: 'emqx authn', send: post('/emqx/authn', identity), isAllow: (a) => (a.json as { result?: string })?.result === 'allow' },
  { name: 'emqx authz', send: post('/emqx/authz', { ...acl, action: 'publish' }), isAllow: (a) => (a.json as { result?: string })?.result === 'allow' },
];

test('with the registry gone, every decision route answers cannot-decide and never allow', async (t) => {
  // No decision cache: every answer must come from the registry.
  const v = await startTestVerifier(t, { env: { ARRA_CACHE_SIZE: '0', ARRA_LOG_LEVEL: 'warn' } });
  await v.useCases.createDevice(DeviceCreate.parse({ id: 'dev-sf' }));
  await v.useCases.addCredential('dev-sf', CredentialCreate.parse({ kind: 'password', secret: PASSWORD }));
  await v.useCases.createRule(RuleCreate.parse({ subject: { kind: 'device', id: 'dev-sf' }, action: 'all', topic: 'dev/dev-sf/#', permission: 'allow' }));

  const healthy: Record<string, number> = {};
  for (const probe of PROBES) {
    const answer = await probe.send(v.url);
    healthy[probe.name] = answer.status;
    assert.ok(probe.isAllow(answer), `${probe.name} allows while healthy (${answer.status} ${answer.text})`);
  }

  v.store.close();
  const broken: Record<string, { status: number; allow: boolean; body: string }> = {};
  for (const probe of PROBES) {
    const answer = await probe.send(v.url);
    broken[probe.name] = { status: answer.status, allow: probe.isAllow(answer), body: answer.text.slice(0, 120) };
  }
  const health = await http(v.url, 'GET', '/healthz');
  recordResult('faults-store-closed', { probes: PROBES.length, healthy, broken, healthz: health.status });

  for (const [name, outcome] of Object.entries(broken)) {
    assert.equal(outcome.allow, false, `${name} must not allow: ${outcome.body}`);
    assert.ok(outcome.status >= 500, `${name} answers cannot-decide (5xx), got ${outcome.status}`);
  }
  assert.equal(health.status, 503);
  assert.match(health.text, /"error"/);
});
