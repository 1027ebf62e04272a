import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { startTestVerifier } from './test-verifier.js';

test('a token from an external issuer a group trusts authenticates through /v1/authenticate', async (t) => {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'ext-1', alg: 'ES256', use: 'sig' }] });
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;

  const v = await startTestVerifier(t);
  const group = await v.admin({
    method: 'POST',
    url: '/v1/admin/groups',
    payload: { name: 'partner', externalIssuer: { issuer: 'https://idp.example', jwksUrl, algorithms: ['ES256'] } },
  });
  assert.equal(group.statusCode, 201, group.body);
  await v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id: 'ext-dev', groups: ['partner'] } });

  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: 'ext-1' })
    .setIssuer('https://idp.example')
    .setSubject('ext-dev')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey);
  const res = await v.broker({ method: 'POST', url: '/v1/authenticate', payload: { clientId: 'ext-dev', username: 'ext-dev', password: token } });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().deviceId, 'ext-dev');
});
