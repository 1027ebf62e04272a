import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestVerifier } from '../test/helpers.js';

test('hostile and broken requests get a coded 4xx, never a 5xx', async (t) => {
  const v = await startTestVerifier(t);
  const json = { 'content-type': 'application/json' };
  const cases = [
    { method: 'POST', url: '/v1/admin/devices', headers: json, payload: '{"id":"dev-1","__proto__":{"superuser":true}}' },
    { method: 'POST', url: '/v1/admin/devices', headers: json, payload: '{"id":"dev-1","constructor":{"prototype":{"x":1}}}' },
    { method: 'POST', url: '/v1/admin/devices', headers: json, payload: '[1,2,3]' },
    { method: 'POST', url: '/v1/admin/devices', headers: json, payload: 'null' },
    { method: 'POST', url: '/v1/admin/devices', headers: json, payload: '' },
    { method: 'GET', url: '/v1/admin/devices/%E0%A4%A' },
    { method: 'GET', url: '/v1/admin/devices?limit=1&limit=2' },
    { method: 'GET', url: `/v1/admin/devices/${'a'.repeat(5000)}` },
    { method: 'POST', url: '/v1/authenticate', headers: json, payload: JSON.stringify({ clientId: 'x'.repeat(70_000) }) },
    { method: 'POST', url: '/v1/authorize', headers: json, payload: JSON.stringify({ clientId: 'c', action: 'publish', topic: 'a', qos: 3 }) },
    { method: 'GET', url: '/v1/changes?since=-1' },
    { method: 'DELETE', url: '/v1/admin/rules/0' },
  ] as const;
  for (const c of cases) {
    const res = await v.admin({ ...c, headers: { 'x-arra-secret': 'webhook-secret-for-tests-0123456789', ...('headers' in c ? c.headers : {}) } });
    assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${c.method} ${c.url.slice(0, 60)} → ${res.statusCode} ${res.body.slice(0, 200)}`);
    assert.equal(typeof res.json().error.code, 'string', `${c.method} ${c.url.slice(0, 60)} has a coded body`);
  }
  assert.equal((await v.admin({ url: '/v1/admin/devices' })).json().items.length, 0, 'nothing was created by the hostile bodies');
});
