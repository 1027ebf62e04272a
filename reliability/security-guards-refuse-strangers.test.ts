/**
 * The two gates, walked route by route from the service's OpenAPI document:
 *
 * - every `/v1/admin` route refuses a caller without the bearer token, with a wrong one, with the
 *   right one in the wrong scheme or in the query string, with 401 and a JSON body, and changes nothing;
 * - every broker route (native decisions, the change feed, every adapter dialect) refuses a caller
 *   without the shared secret or with a wrong one, and a caller outside the allow-list; an address
 *   on the allow-list gets through without the secret.
 *
 * @module reliability/security-guards-refuse-strangers
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { http, recordResult } from './harness.js';
import { ADMIN_HEADERS, ADMIN_TOKEN, WEBHOOK_SECRET, startTestVerifier, type TestVerifier } from '../verifier/test/test-verifier.js';

interface Route {
  method: string;
  path: string;
}

async function routes(v: TestVerifier): Promise<Route[]> {
  const doc = (await http(v.url, 'GET', '/docs/json')).json as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path: path.replace(/\{(\w+)\}/g, 'guard-probe') })),
  );
}

const isBrokerRoute = (path: string) => /^\/(v1\/(authenticate|authorize|changes)|nanomq\/|go-auth\/|emqx\/)/.test(path);
const body = JSON.stringify({ clientid: 'x', clientId: 'x', username: 'x', password: 'x', id: 'guard-probe-created', devices: [{ id: 'guard-probe-imported' }] });

test('every admin route refuses callers without the right bearer token and changes nothing', async (t) => {
  const v = await startTestVerifier(t, { env: { ARRA_LOG_LEVEL: 'fatal' } });
  const admin = (await routes(v)).filter((r) => r.path.startsWith('/v1/admin'));
  const attempts: Array<[string, Record<string, string>, string]> = [
    ['no token', {}, ''],
    ['wrong token', { authorization: 'Bearer wrong-token-0123456789abcdef' }, ''],
    ['token with a suffix', { authorization: `Bearer ${ADMIN_TOKEN}x` }, ''],
    ['token prefix', { authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}` }, ''],
    ['Basic scheme', { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` }, ''],
    ['token in the query string', {}, `?token=${ADMIN_TOKEN}&access_token=${ADMIN_TOKEN}`],
    ['broker secret instead', { 'x-arra-secret': WEBHOOK_SECRET }, ''],
  ];
  const wrong: string[] = [];
  let tried = 0;
  for (const route of admin) {
    for (const [name, headers, query] of attempts) {
      const answer = await http(v.url, route.method, route.path + query, { headers: { 'content-type': 'application/json', ...headers }, body: route.method === 'GET' || route.method === 'DELETE' ? undefined : body });
      tried++;
      const error = (answer.json as { error?: { code?: string } } | undefined)?.error;
      if (answer.status !== 401 || error?.code !== 'unauthorized') wrong.push(`${route.method} ${route.path} [${name}]: ${answer.status} ${answer.text.slice(0, 100)}`);
    }
  }
  const devices = await http(v.url, 'GET', '/v1/admin/devices', { headers: ADMIN_HEADERS });
  recordResult('security-admin-route-walk', { routes: admin.length, attempts: tried, wrong: wrong.length, devicesAfter: (devices.json as { items?: unknown[] }).items?.length });
  assert.ok(admin.length >= 20, `walked ${admin.length} admin routes`);
  assert.deepEqual(wrong, []);
  assert.deepEqual((devices.json as { items?: unknown[] }).items, [], 'no refused request created anything');
});

test('every broker route refuses callers without the shared secret, with a wrong one, or outside the allow-list', async (t) => {
  const v = await startTestVerifier(t, { env: { ARRA_LOG_LEVEL: 'fatal', ARRA_WEBHOOK_ALLOW: '10.0.0.0/8,fd00::/8' } });
  const broker = (await routes(v)).filter((r) => isBrokerRoute(r.path));
  const attempts: Array<[string, Record<string, string>, string]> = [
    ['no secret, address not allowed', {}, ''],
    ['wrong secret', { 'x-arra-secret': 'wrong-secret-0123456789' }, ''],
    ['secret with a suffix', { 'x-arra-secret': `${WEBHOOK_SECRET}x` }, ''],
    ['wrong secret in the query', {}, '?secret=wrong-secret-0123456789'],
    ['admin token instead', { authorization: `Bearer ${ADMIN_TOKEN}` }, ''],
    ['spoofed X-Forwarded-For from an allowed range', { 'x-forwarded-for': '10.1.2.3' }, ''],
  ];
  const wrong: string[] = [];
  let tried = 0;
  for (const route of broker) {
    for (const [name, headers, query] of attempts) {
      const answer = await http(v.url, route.method, route.path + query + (route.path === '/v1/changes' ? `${query ? '&' : '?'}waitMs=0` : ''), {
        headers: { 'content-type': 'application/json', ...headers },
        body: route.method === 'GET' ? undefined : body,
      });
      tried++;
      if (answer.status !== 401 && answer.status !== 403) wrong.push(`${route.method} ${route.path} [${name}]: ${answer.status} ${answer.text.slice(0, 100)}`);
    }
  }
  // The allow-list itself works: 127.0.0.1 listed, no secret needed.
  const listed = await startTestVerifier(t, { env: { ARRA_LOG_LEVEL: 'fatal', ARRA_WEBHOOK_ALLOW: '127.0.0.1/32' } });
  const fromListed = await http(listed.url, 'POST', '/v1/authenticate', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId: 'nobody', username: 'nobody', password: 'x' }) });
  recordResult('security-broker-route-walk', { routes: broker.length, attempts: tried, wrong: wrong.length, allowListedCallerStatus: fromListed.status });
  assert.ok(broker.length >= 50, `walked ${broker.length} broker routes`);
  assert.deepEqual(wrong, []);
  assert.equal(fromListed.status, 403, 'an allow-listed caller reaches the decision (a deny for an unknown device), not the guard');
  assert.equal((fromListed.json as { reason?: string }).reason, 'bad_credentials', 'an unknown device reads as bad credentials');
});
