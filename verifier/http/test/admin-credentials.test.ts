import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { startTestVerifier } from '../../test/test-verifier.js';

test('an issued token verifies against the public JWKS, authenticates, and stops after revocation', async (t) => {
  const v = await startTestVerifier(t);
  await v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id: 'dev-1' } });
  const issued = await v.admin({ method: 'POST', url: '/v1/admin/devices/dev-1/tokens', payload: { ttlSeconds: 600 } });
  assert.equal(issued.statusCode, 201, issued.body);
  const { token, jti } = issued.json();

  const jwks = await v.app.inject({ url: '/.well-known/jwks.json' });
  assert.equal(jwks.statusCode, 200);
  for (const key of jwks.json().keys) assert.equal(key.d, undefined, 'a JWKS must hold public keys only');
  const { payload } = await jwtVerify(token, createLocalJWKSet(jwks.json()), { issuer: 'arra-mq', audience: 'mqtt' });
  assert.equal(payload.sub, 'dev-1');
  assert.equal(payload.jti, jti);

  const login = { clientId: 'dev-1', username: 'dev-1', password: token };
  assert.equal((await v.broker({ method: 'POST', url: '/v1/authenticate', payload: login })).statusCode, 200);
  assert.equal((await v.admin({ url: '/v1/admin/devices/dev-1/tokens' })).json().length, 1);
  assert.equal((await v.admin({ method: 'POST', url: `/v1/admin/tokens/${jti}/revoke` })).statusCode, 200);
  const after = await v.broker({ method: 'POST', url: '/v1/authenticate', payload: login });
  assert.equal(after.statusCode, 403);
  assert.equal(after.json().reason, 'revoked');
});

test('a token issued without a ttl lives ARRA_TOKEN_TTL seconds; a ttl out of bounds is a 400', async (t) => {
  const v = await startTestVerifier(t, { env: { ARRA_TOKEN_TTL: '7200' } });
  await v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id: 'dev-1' } });
  const before = Date.now();
  const res = await v.admin({ method: 'POST', url: '/v1/admin/devices/dev-1/tokens' });
  assert.equal(res.statusCode, 201, res.body);
  const lifetime = Date.parse(res.json().expiresAt) - before;
  assert.ok(lifetime > 7_190_000 && lifetime <= 7_201_000, `lifetime ${lifetime} ms`);
  const short = await v.admin({ method: 'POST', url: '/v1/admin/devices/dev-1/tokens', payload: { ttlSeconds: 5 } });
  assert.equal(short.statusCode, 400);
  assert.deepEqual(short.json().error.fields.map((f: { path: string }) => f.path), ['body.ttlSeconds']);
});

test('a token for an unknown device is a 404 and nothing is signed', async (t) => {
  const v = await startTestVerifier(t);
  const res = await v.admin({ method: 'POST', url: '/v1/admin/devices/ghost/tokens' });
  assert.equal(res.statusCode, 404);
  assert.equal(res.json().error.code, 'not_found');
});

test('password credentials can be added with a generated secret, listed without it, and revoked', async (t) => {
  const v = await startTestVerifier(t);
  await v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id: 'dev-1' } });
  const created = await v.admin({ method: 'POST', url: '/v1/admin/devices/dev-1/credentials', payload: { kind: 'password' } });
  assert.equal(created.statusCode, 201, created.body);
  const { credential, secret } = created.json();
  assert.ok(secret.length >= 16);
  const listed = await v.admin({ url: '/v1/admin/devices/dev-1/credentials' });
  assert.doesNotMatch(listed.body, new RegExp(secret));
  const revoked = await v.admin({ method: 'POST', url: `/v1/admin/devices/dev-1/credentials/${credential.id}/revoke` });
  assert.equal(revoked.json().revoked, true);
});

test('a certificate issued by the device CA chains to /v1/ca.pem and is registered as an x509 credential', async (t) => {
  const v = await startTestVerifier(t);
  await v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id: 'dev-1' } });
  const res = await v.admin({ method: 'POST', url: '/v1/admin/devices/dev-1/certificates', payload: { days: 30 } });
  assert.equal(res.statusCode, 201, res.body);
  const ca = await v.app.inject({ url: '/v1/ca.pem' });
  assert.equal(ca.statusCode, 200);
  assert.match(ca.headers['content-type'] as string, /pem/);
  const cert = new X509Certificate(res.json().certPem);
  assert.ok(cert.verify(new X509Certificate(ca.body).publicKey));
  assert.equal(res.json().credential.kind, 'x509');
});

test('signing keys can be listed, rotated (the old key keeps verifying) and retired', async (t) => {
  const v = await startTestVerifier(t);
  const [first] = (await v.admin({ url: '/v1/admin/keys' })).json();
  const rotated = await v.admin({ method: 'POST', url: '/v1/admin/keys/rotate', payload: { alg: 'ES256' } });
  assert.equal(rotated.statusCode, 201, rotated.body);
  assert.equal(rotated.json().alg, 'ES256');
  assert.equal((await v.app.inject({ url: '/.well-known/jwks.json' })).json().keys.length, 2);
  const activeRetire = await v.admin({ method: 'POST', url: `/v1/admin/keys/${rotated.json().kid}/retire` });
  assert.equal(activeRetire.statusCode, 409);
  const retired = await v.admin({ method: 'POST', url: `/v1/admin/keys/${first.kid}/retire` });
  assert.equal(retired.json().status, 'retired');
  assert.equal((await v.app.inject({ url: '/.well-known/jwks.json' })).json().keys.length, 1);
});
