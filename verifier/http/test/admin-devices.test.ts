import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestVerifier } from '../../test/test-verifier.js';

test('devices can be created, read, paged through, patched and deleted', async (t) => {
  const v = await startTestVerifier(t);
  for (const id of ['dev-a', 'dev-b', 'dev-c']) {
    const res = await v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id, groups: ['sensors'] } });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().id, id);
  }
  const page1 = await v.admin({ url: '/v1/admin/devices?limit=2' });
  assert.equal(page1.statusCode, 200);
  assert.deepEqual(page1.json().items.map((d: { id: string }) => d.id), ['dev-a', 'dev-b']);
  const page2 = await v.admin({ url: `/v1/admin/devices?limit=2&cursor=${page1.json().nextCursor}` });
  assert.deepEqual(page2.json().items.map((d: { id: string }) => d.id), ['dev-c']);
  assert.equal(page2.json().nextCursor, null);

  const patched = await v.admin({ method: 'PATCH', url: '/v1/admin/devices/dev-b', payload: { enabled: false, disabledReason: 'stolen' } });
  assert.equal(patched.statusCode, 200, patched.body);
  assert.equal(patched.json().enabled, false);
  const detail = await v.admin({ url: '/v1/admin/devices/dev-b' });
  assert.equal(detail.json().disabledReason, 'stolen');
  assert.deepEqual(detail.json().credentials, []);

  assert.equal((await v.admin({ method: 'DELETE', url: '/v1/admin/devices/dev-b' })).statusCode, 204);
  assert.equal((await v.admin({ url: '/v1/admin/devices/dev-b' })).statusCode, 404);
});

test('a duplicate device is a 409 and an unknown one a 404, both with a coded error body', async (t) => {
  const v = await startTestVerifier(t);
  await v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id: 'dev-1' } });
  const dup = await v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id: 'dev-1' } });
  assert.equal(dup.statusCode, 409);
  assert.equal(dup.json().error.code, 'conflict');
  const missing = await v.admin({ method: 'PATCH', url: '/v1/admin/devices/nope', payload: { superuser: true } });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().error.code, 'not_found');
});

test('wildcard characters in ids are refused with a 400 naming the field, in the body and in the path', async (t) => {
  const v = await startTestVerifier(t);
  const inBody = await v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id: 'dev/+/#' } });
  assert.equal(inBody.statusCode, 400);
  assert.deepEqual(inBody.json().error.fields.map((f: { path: string }) => f.path), ['body.id']);
  const inPath = await v.admin({ url: '/v1/admin/devices/dev%2B1' });
  assert.equal(inPath.statusCode, 400);
  assert.deepEqual(inPath.json().error.fields.map((f: { path: string }) => f.path), ['params.id']);
  const inQuery = await v.admin({ url: '/v1/admin/devices?limit=0&colour=red' });
  assert.equal(inQuery.statusCode, 400);
  assert.deepEqual(inQuery.json().error.fields.map((f: { path: string }) => f.path).sort(), ['querystring.colour', 'querystring.limit']);
});

test('unknown fields, malformed JSON, a wrong content type and an oversize body are 400/400/415/413', async (t) => {
  const v = await startTestVerifier(t, { env: { ARRA_BODY_LIMIT: '2048' } });
  const unknown = await v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id: 'dev-1', admin: true } });
  assert.equal(unknown.statusCode, 400);
  assert.deepEqual(unknown.json().error.fields, [{ path: 'body.admin', message: 'unknown field' }]);
  const malformed = await v.admin({ method: 'POST', url: '/v1/admin/devices', headers: { 'content-type': 'application/json' }, payload: '{"id": "dev-1",' });
  assert.equal(malformed.statusCode, 400);
  assert.equal(malformed.json().error.code, 'validation');
  const csvElsewhere = await v.admin({ method: 'POST', url: '/v1/admin/devices', headers: { 'content-type': 'text/csv' }, payload: 'id\ndev-1\n' });
  assert.equal(csvElsewhere.statusCode, 415);
  assert.equal(csvElsewhere.json().error.code, 'unsupported_media_type');
  const big = await v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id: 'dev-1', attributes: { blob: 'x'.repeat(4096) } } });
  assert.equal(big.statusCode, 413);
  assert.equal(big.json().error.code, 'payload_too_large');
});

test('groups and rules have create, list, read, patch and delete', async (t) => {
  const v = await startTestVerifier(t);
  const group = await v.admin({ method: 'POST', url: '/v1/admin/groups', payload: { name: 'sensors', description: 'field sensors' } });
  assert.equal(group.statusCode, 201, group.body);
  assert.equal((await v.admin({ url: '/v1/admin/groups' })).json().length, 1);
  const patchedGroup = await v.admin({ method: 'PATCH', url: '/v1/admin/groups/sensors', payload: { description: 'all sensors' } });
  assert.equal(patchedGroup.json().description, 'all sensors');

  const rule = await v.admin({
    method: 'POST',
    url: '/v1/admin/rules',
    payload: { subject: { kind: 'group', name: 'sensors' }, action: 'publish', topic: 'sensors/${device}/#', permission: 'allow' },
  });
  assert.equal(rule.statusCode, 201, rule.body);
  const id = rule.json().id;
  assert.equal((await v.admin({ url: '/v1/admin/rules?subject=group:sensors' })).json().length, 1);
  const patchedRule = await v.admin({ method: 'PATCH', url: `/v1/admin/rules/${id}`, payload: { priority: 5 } });
  assert.equal(patchedRule.json().priority, 5);
  const badTopic = await v.admin({ method: 'POST', url: '/v1/admin/rules', payload: { subject: { kind: 'all' }, action: 'all', topic: 'a/#/b', permission: 'deny' } });
  assert.equal(badTopic.statusCode, 400);
  assert.deepEqual(badTopic.json().error.fields.map((f: { path: string }) => f.path), ['body.topic']);
  assert.equal((await v.admin({ method: 'DELETE', url: `/v1/admin/rules/${id}` })).statusCode, 204);
  assert.equal((await v.admin({ url: `/v1/admin/rules/${id}` })).statusCode, 404);
  assert.equal((await v.admin({ method: 'DELETE', url: '/v1/admin/groups/sensors' })).statusCode, 204);
});

test('search finds ids containing the text and enabled filters by status, both across keyset pages', async (t) => {
  const v = await startTestVerifier(t);
  for (const id of ['pump-01', 'pump-02', 'tank-pump-03', 'valve-01', 'old-pump-04']) {
    assert.equal((await v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id, enabled: id !== 'pump-02' } })).statusCode, 201);
  }
  const ids = async (query: string) => {
    const all: string[] = [];
    let cursor = '';
    do {
      const page = (await v.admin({ url: `/v1/admin/devices?limit=1&${query}${cursor}` })).json() as { items: Array<{ id: string }>; nextCursor: string | null };
      all.push(...page.items.map((d) => d.id));
      cursor = page.nextCursor === null ? '' : `&cursor=${page.nextCursor}`;
    } while (cursor);
    return all;
  };
  assert.deepEqual(await ids('search=pump'), ['old-pump-04', 'pump-01', 'pump-02', 'tank-pump-03']);
  assert.deepEqual(await ids('search=pump&enabled=false'), ['pump-02']);
  assert.deepEqual(await ids('search=-0&enabled=true'), ['old-pump-04', 'pump-01', 'tank-pump-03', 'valve-01']);
  assert.deepEqual(await ids('prefix=pump&enabled=true'), ['pump-01']);
  const bad = await v.admin({ url: '/v1/admin/devices?search=%25&enabled=maybe' });
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(bad.json().error.fields.map((f: { path: string }) => f.path).sort(), ['querystring.enabled', 'querystring.search']);
});
