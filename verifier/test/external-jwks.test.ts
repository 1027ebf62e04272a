import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { createHarness, MemoryLogger, TestClock } from '../core/test/helpers.js';
import { createExternalKeyResolver } from '../external-jwks.js';

async function jwk(kid: string) {
  const pair = await generateKeyPair('ES256', { extractable: true });
  return { ...pair, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'ES256', use: 'sig' } as JWK };
}

/** A JWKS server on 127.0.0.1:0 whose answer the test can change; counts requests. */
async function jwksServer(t: TestContext, initial: JWK[]) {
  const state = { keys: initial, requests: 0, handler: undefined as undefined | ((req: IncomingMessage, res: ServerResponse) => void) };
  const server = createServer((req, res) => {
    state.requests++;
    if (state.handler) return state.handler(req, res);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  t.after(() => server.closeAllConnections());
  const { port } = server.address() as AddressInfo;
  return { state, url: `http://127.0.0.1:${port}/jwks.json` };
}

function resolver(clock = new TestClock(), logger = new MemoryLogger()) {
  return createExternalKeyResolver({ clock, logger, fetchTimeoutMs: 300, cacheSeconds: 60, cooldownSeconds: 10 });
}

const issuerAt = (jwksUrl: string) => ({ issuer: 'https://idp.test', jwksUrl, audience: null, algorithms: ['ES256'] });

test('the JWKS is fetched once and then served from cache until cacheSeconds pass', async (t) => {
  const k1 = await jwk('k1');
  const { state, url } = await jwksServer(t, [k1.jwk]);
  const clock = new TestClock();
  const keys = resolver(clock);
  assert.ok(await keys.resolve(issuerAt(url), { kid: 'k1', alg: 'ES256' }));
  await keys.resolve(issuerAt(url), { kid: 'k1', alg: 'ES256' });
  assert.equal(state.requests, 1);
  clock.advance(61);
  await keys.resolve(issuerAt(url), { kid: 'k1', alg: 'ES256' });
  assert.equal(state.requests, 2);
});

test('an unknown kid triggers one refetch (key rotation), then waits out the cooldown', async (t) => {
  const [k1, k2] = [await jwk('k1'), await jwk('k2')];
  const { state, url } = await jwksServer(t, [k1.jwk]);
  const clock = new TestClock();
  const keys = resolver(clock);
  await keys.resolve(issuerAt(url), { kid: 'k1', alg: 'ES256' });
  clock.advance(11);
  state.keys = [k1.jwk, k2.jwk];
  assert.ok(await keys.resolve(issuerAt(url), { kid: 'k2', alg: 'ES256' }), 'rotated key found after a refetch');
  assert.equal(state.requests, 2);
  await assert.rejects(keys.resolve(issuerAt(url), { kid: 'k9', alg: 'ES256' }), { code: 'ERR_EXTERNAL_KEY_NOT_FOUND' });
  await assert.rejects(keys.resolve(issuerAt(url), { kid: 'k8', alg: 'ES256' }), { code: 'ERR_EXTERNAL_KEY_NOT_FOUND' });
  assert.equal(state.requests, 2, 'made-up kids within the cooldown cost no fetch');
});

test('an unreachable, failing, slow, oversized or malformed JWKS is ERR_EXTERNAL_JWKS', async (t) => {
  const { state, url } = await jwksServer(t, []);
  const answers: Array<(req: IncomingMessage, res: ServerResponse) => void> = [
    (_req, res) => res.writeHead(500).end('{}'),
    () => {}, // never answers: the timeout must end it
    (_req, res) => res.end(JSON.stringify({ keys: [{ kty: 'x', pad: 'x'.repeat(300 * 1024) }] })),
    (_req, res) => res.end('not json'),
    (_req, res) => res.end('{"no":"keys"}'),
  ];
  for (const answer of answers) {
    state.handler = answer;
    const started = Date.now();
    await assert.rejects(resolver().resolve(issuerAt(url), { kid: 'k1', alg: 'ES256' }), { code: 'ERR_EXTERNAL_JWKS' });
    assert.ok(Date.now() - started < 2000, 'bounded in time');
  }
  await assert.rejects(resolver().resolve(issuerAt('http://127.0.0.1:1/jwks'), { kid: 'k1', alg: 'ES256' }), { code: 'ERR_EXTERNAL_JWKS' });
  await assert.rejects(resolver().resolve(issuerAt('file:///etc/passwd'), { kid: 'k1', alg: 'ES256' }), { code: 'ERR_EXTERNAL_JWKS' });
});

test('when a refetch fails, the copy held keeps serving and the failure is logged', async (t) => {
  const k1 = await jwk('k1');
  const { state, url } = await jwksServer(t, [k1.jwk]);
  const clock = new TestClock();
  const logger = new MemoryLogger();
  const keys = resolver(clock, logger);
  await keys.resolve(issuerAt(url), { kid: 'k1', alg: 'ES256' });
  clock.advance(61);
  state.handler = (_req, res) => res.writeHead(503).end();
  assert.ok(await keys.resolve(issuerAt(url), { kid: 'k1', alg: 'ES256' }));
  assert.ok(logger.lines.some((l) => l.level === 'warn'));
});

test('a device token of an external issuer authenticates through the real JWKS resolver', async (t) => {
  const k1 = await jwk('k1');
  const { url } = await jwksServer(t, [k1.jwk]);
  const h = await createHarness(t, { externalKeys: resolver() });
  h.registry.groups.set('partners', { name: 'partners', externalIssuer: { ...issuerAt(url), audience: 'mqtt' } });
  h.registry.addDevice('ext-1', { groups: ['partners'] });
  const now = Math.floor(h.clock.now() / 1000);
  const token = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer('https://idp.test').setAudience('mqtt')
    .setSubject('ext-1').setIssuedAt(now).setExpirationTime(now + 60).sign(k1.privateKey);
  const decision = await h.decider.authenticate({ clientId: 'ext-1', password: token });
  assert.ok(decision.allow);
  assert.equal(decision.expiresAt, now + 60);
});
