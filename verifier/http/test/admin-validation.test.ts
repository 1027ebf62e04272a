import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeviceCreate } from '../../../schemas/admin.js';
import { startTestVerifier, type TestVerifier } from '../../test/test-verifier.js';

async function refused(v: TestVerifier, method: 'POST' | 'PATCH' | 'GET', url: string, payload?: object): Promise<string[]> {
  const res = await v.admin({ method, url, ...(payload && { payload }) });
  assert.equal(res.statusCode, 400, `${method} ${url} ${JSON.stringify(payload)}: ${res.body}`);
  assert.equal(res.json().error.code, 'validation');
  return res.json().error.fields.map((f: { path: string }) => f.path);
}

test('an invalid device body or query is a 400 naming the field', async (t) => {
  const v = await startTestVerifier(t);
  assert.deepEqual(await refused(v, 'POST', '/v1/admin/devices', { id: 'a/b' }), ['body.id']);
  assert.deepEqual(await refused(v, 'POST', '/v1/admin/devices', { id: 'ok', groups: ['x', 'x'] }), ['body.groups']);
  assert.deepEqual(await refused(v, 'POST', '/v1/admin/devices', { id: 'ok', extra: 1 }), ['body.extra']);
  assert.deepEqual(await refused(v, 'GET', '/v1/admin/devices?limit=0'), ['querystring.limit']);
  for (let i = 0; i < 26; i++) await v.useCases.createDevice(DeviceCreate.parse({ id: `dev-${String(i).padStart(2, '0')}` }));
  const page = await v.admin({ url: '/v1/admin/devices?limit=25' });
  assert.equal(page.json().nextCursor, 'dev-24', 'limit arrives as a query string');
});

test('bad credential and certificate bodies are a 400 naming the field', async (t) => {
  const v = await startTestVerifier(t);
  assert.equal((await v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id: 'dev-1' } })).statusCode, 201);
  assert.deepEqual(await refused(v, 'POST', '/v1/admin/devices/dev-1/credentials', { kind: 'x509' }), ['body.certPem']);
  assert.deepEqual(await refused(v, 'POST', '/v1/admin/devices/dev-1/credentials', { kind: 'password', secret: 'short' }), ['body.secret']);
  assert.deepEqual(await refused(v, 'POST', '/v1/admin/devices/dev-1/certificates', { days: 0 }), ['body.days']);
  assert.deepEqual(await refused(v, 'POST', '/v1/admin/devices/dev-1/certificates', { keyAlg: 'RSA' }), ['body.keyAlg']);
  assert.deepEqual((await v.admin({ url: '/v1/admin/devices/dev-1/credentials' })).json(), []);
});

test('a rule topic must be a filter with placeholders only as whole levels', async (t) => {
  const v = await startTestVerifier(t);
  const base = { subject: { kind: 'all' }, action: 'publish', permission: 'allow' };
  for (const topic of ['a/#/b', 'a/b+', 'x${device}/y', 'a/${nope}', '']) {
    assert.equal((await refused(v, 'POST', '/v1/admin/rules', { ...base, topic }))[0], 'body.topic', topic);
  }
});
