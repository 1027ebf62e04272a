/**
 * The caller guard in front of every adapter: our broker proves itself with the shared secret (header,
 * or query string for go-auth) or by calling from an allow-listed address; anyone else is refused
 * with 401/403 before the request is looked at, and no secret reaches the logs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import pino from 'pino';
import { BlockList } from 'node:net';
import { createGuard, registerAdapters } from '../index.js';
import { ConfigError, loadConfig } from '../../verifier/config.js';
import type { Decider } from '../../verifier/core/index.js';
import { LONG_PASSWORD, REPLAY_ENV, provisionCaptureDevices } from './fixtures.js';
import { call } from './http.js';
import { startAdapterApp } from './adapter-app.js';
import { WEBHOOK_SECRET, startTestVerifier } from '../../verifier/test/test-verifier.js';

const CHECKS = [
  ['POST', '/nanomq/auth', 'clientid=bob&username=bob&password=x'],
  ['POST', '/go-auth/json/user', { clientid: 'bob', username: 'bob', password: 'x' }],
  ['POST', '/go-auth/jwt/acl', { acc: 1, clientid: 'bob', topic: 'a' }],
  ['POST', '/emqx/authn', { clientid: 'bob', username: 'bob', password: 'x' }],
  ['GET', '/emqx/authz?clientid=bob&action=publish&topic=a', undefined],
] as const;

test('a caller with neither the secret nor an allow-listed address is refused 401 on every adapter', async (t) => {
  const { port } = await startTestVerifier(t, { env: REPLAY_ENV });
  for (const [method, path, body] of CHECKS) {
    const reply = await call(port, method, path, { body, secret: null });
    assert.equal(reply.status, 401, path);
    assert.equal((reply.json().error as { code: string }).code, 'ERR_ADAPTER_CALLER_UNKNOWN');
  }
});

test('a wrong secret is refused 403 even from an allow-listed address', async (t) => {
  const { port } = await startTestVerifier(t, { env: { ...REPLAY_ENV, ARRA_WEBHOOK_ALLOW: '127.0.0.0/8' } });
  for (const [method, path, body] of CHECKS) {
    assert.equal((await call(port, method, path, { body, secret: 'wrong' })).status, 403, path);
  }
  assert.equal((await call(port, 'POST', '/go-auth/user?secret=wrong', { body: CHECKS[1][2], secret: null })).status, 403);
});

test('the secret in the header, the secret in the query string, or an allow-listed address lets the request through', async (t) => {
  const guarded = await startTestVerifier(t, { env: REPLAY_ENV, provision: provisionCaptureDevices });
  const user = { clientid: 'bob', username: 'bob', password: LONG_PASSWORD };
  assert.equal((await call(guarded.port, 'POST', '/go-auth/json/user', { body: user })).status, 200);
  assert.equal((await call(guarded.port, 'POST', `/go-auth/json/user?secret=${WEBHOOK_SECRET}`, { body: user, secret: null })).status, 200);
  const listed = await startTestVerifier(t, { provision: provisionCaptureDevices, env: { ...REPLAY_ENV, ARRA_WEBHOOK_SECRET: '', ARRA_WEBHOOK_ALLOW: '10.0.0.0/8,127.0.0.1' } });
  assert.equal((await call(listed.port, 'POST', '/go-auth/json/user', { body: user, secret: null })).status, 200);
});

test('an empty configured secret never matches an empty presented one', async (t) => {
  const { port } = await startAdapterApp(t, { config: { webhookSecret: '' } });
  assert.equal((await call(port, 'POST', '/nanomq/auth', { body: 'clientid=a', secret: '' })).status, 403);
});

test('no log line carries the shared secret, a password or a token', async (t) => {
  const verifier = await startTestVerifier(t, { env: REPLAY_ENV, provision: provisionCaptureDevices });
  const token = (await verifier.issueToken('bob')).token;
  await call(verifier.port, 'GET', `/nanomq/auth?clientid=bob&username=bob&password=${encodeURIComponent(LONG_PASSWORD)}`);
  await call(verifier.port, 'GET', '/nanomq/auth?clientid=bob&username=bob&password=wrong-password-1');
  await call(verifier.port, 'POST', `/go-auth/user?secret=${WEBHOOK_SECRET}`, { body: { clientid: 'bob', username: 'bob', password: 'wrong-password-2' }, secret: null });
  await call(verifier.port, 'POST', '/go-auth/user?secret=bad-secret-3', { body: '{}', secret: null });
  await call(verifier.port, 'POST', '/go-auth/jwt/user', { body: 'null', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
  await call(verifier.port, 'POST', '/go-auth/user', { body: { clientid: 'bob', username: token, password: 'x' } });
  await call(verifier.port, 'POST', '/emqx/authn', { body: '{"clientid":"bob","password":"p4ssw0rd-in-bad-json', headers: { 'content-type': 'application/json' } });
  const text = JSON.stringify(verifier.logs());
  assert.ok(verifier.logs().length > 0);
  for (const secret of [WEBHOOK_SECRET, LONG_PASSWORD, encodeURIComponent(LONG_PASSWORD), 'wrong-password-1', 'wrong-password-2', 'bad-secret-3', token, 'p4ssw0rd']) {
    assert.ok(!text.includes(secret), `logs contain ${secret}`);
  }
});

test('adapter log lines go to the logger passed in the options', async (t) => {
  const lines: string[] = [];
  const app = Fastify();
  t.after(() => app.close());
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  const decider = { onChange: () => () => undefined } as unknown as Decider;
  const guard = createGuard({ webhookSecret: 'a-long-enough-secret', allowList: new BlockList() });
  await app.register(registerAdapters, { decider, logger, guard, config: { trustCertSubject: false } });
  const reply = await app.inject({ method: 'POST', url: '/nanomq/auth', payload: 'clientid=c' });
  assert.equal(reply.statusCode, 401);
  assert.ok(lines.some((line) => line.includes('adapter caller refused')));
});

test('a webhookAllow entry that is not an address or CIDR stops the verifier at startup', () => {
  assert.throws(() => loadConfig({ ARRA_WEBHOOK_ALLOW: '10.0.0.0/33' }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.problems.join('\n'), /ARRA_WEBHOOK_ALLOW: .*"10\.0\.0\.0\/33" is not an IP address or CIDR/);
    return true;
  });
});
