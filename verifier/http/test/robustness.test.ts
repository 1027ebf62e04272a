import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestVerifier } from '../../test/test-verifier.js';

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

test('a __proto__ or constructor.prototype key is a 400 naming the key and its path, not "not valid JSON"', async (t) => {
  const v = await startTestVerifier(t);
  const json = { 'content-type': 'application/json' };
  const cases = [
    { payload: '{"id":"dev-1","__proto__":{"superuser":true}}', path: 'body.__proto__', key: '__proto__' },
    // Escaped in the text, the same key once parsed.
    { payload: '{"id":"dev-1","attributes":{"\\u005f_proto__":{"x":"1"}}}', path: 'body.attributes.__proto__', key: '__proto__' },
    { payload: '{"id":"dev-1","constructor":{"prototype":{"x":1}}}', path: 'body.constructor.prototype', key: 'constructor.prototype' },
  ];
  for (const c of cases) {
    const res = await v.admin({ method: 'POST', url: '/v1/admin/devices', headers: json, payload: c.payload });
    assert.equal(res.statusCode, 400, res.body);
    const { error } = res.json();
    assert.equal(error.code, 'validation');
    assert.match(error.message, new RegExp(`the key "${c.key}" is refused`));
    assert.deepEqual(error.fields.map((f: { path: string }) => f.path), [c.path]);
  }
  // A key that only contains the word is fine, and broken JSON is still called broken JSON.
  const fine = await v.admin({ method: 'POST', url: '/v1/admin/devices', headers: json, payload: '{"id":"dev-1","attributes":{"constructor":"acme"}}' });
  assert.equal(fine.statusCode, 201, fine.body);
  const broken = await v.admin({ method: 'POST', url: '/v1/admin/devices', headers: json, payload: '{"id":' });
  assert.equal(broken.json().error.message, 'body is not valid JSON');
  // The broker routes refuse it as a deny in their dialect, never a 5xx.
  const nanomq = await v.broker({ method: 'POST', url: '/nanomq/auth', headers: json, payload: '{"clientid":"c","__proto__":{}}' });
  assert.ok(nanomq.statusCode >= 400 && nanomq.statusCode < 500, `${nanomq.statusCode} ${nanomq.body}`);
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'superuser'), false);
});
