import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { startTestVerifier } from '../../test/test-verifier.js';

/**
 * Every (method, path) the app serves, read from Fastify's own route tree
 * (`printRoutes({ commonPrefix: false })`, one route per line, children indented four columns).
 */
function routeTable(app: FastifyInstance): Array<{ method: string; path: string }> {
  const routes: Array<{ method: string; path: string }> = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([\s│├└─]*)(\/\S*) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4 - 1;
    stack.length = depth;
    const path = stack.join('') + match[2]!;
    stack.push(match[2]!);
    for (const method of match[3]!.split(', ')) routes.push({ method, path });
  }
  return routes;
}

test('every /v1/admin route answers 401 without a token and with a wrong one', async (t) => {
  const v = await startTestVerifier(t);
  const admin = routeTable(v.app).filter((r) => r.path.startsWith('/v1/admin') && r.method !== 'HEAD');
  // The walk must see the whole admin surface, or it proves nothing.
  assert.ok(admin.length >= 25, `only ${admin.length} admin routes found`);
  assert.ok(admin.some((r) => r.method === 'POST' && r.path === '/v1/admin/devices/:id/credentials/:credentialId/revoke'));
  for (const { method, path } of admin) {
    const url = path.replace(/:(\w+)/g, 'x1');
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789abcdef' }, { authorization: 'Basic Zm9vOmJhcg==' }]) {
      const res = await v.app.inject({ method: method as 'GET', url, headers, payload: method === 'GET' || method === 'DELETE' ? undefined : {} });
      assert.equal(res.statusCode, 401, `${method} ${url} ${JSON.stringify(headers)} → ${res.statusCode}`);
      assert.equal(res.json().error.code, 'unauthorized');
    }
  }
});

test('the admin token is not accepted as the broker secret, nor the broker secret as the admin token', async (t) => {
  const v = await startTestVerifier(t);
  const asAdmin = await v.broker({ method: 'GET', url: '/v1/admin/devices' });
  assert.equal(asAdmin.statusCode, 401);
  const asBroker = await v.admin({ method: 'POST', url: '/v1/authorize', payload: { clientId: 'a', action: 'publish', topic: 't' } });
  assert.equal(asBroker.statusCode, 401);
});

test('an unknown admin path is a 401 without the token and a 404 with it, so it reveals no route table', async (t) => {
  const v = await startTestVerifier(t);
  assert.equal((await v.app.inject({ url: '/v1/admin/secret-route' })).statusCode, 401);
  const known = await v.admin({ url: '/v1/admin/secret-route' });
  assert.equal(known.statusCode, 404);
  assert.equal(known.json().error.code, 'not_found');
});
