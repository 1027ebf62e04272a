import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from 'undici';
import { ADMIN_TOKEN, startTestVerifier } from '../../test/helpers.js';

const COUNT = 10_000;

test('10k devices import over a real socket as JSON, then 10k more as CSV', async (t) => {
  const v = await startTestVerifier(t);
  const base = await v.app.listen({ host: '127.0.0.1', port: 0 });
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

  // One password only: each is hashed with scrypt on purpose (~50 ms), which is not what this measures.
  const devices = Array.from({ length: COUNT }, (_, i) => ({ id: `json-${i}`, groups: ['fleet'], ...(i === 7 && { password: 'password-7' }) }));
  const json = await request(`${base}/v1/admin/import`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ devices }),
  });
  assert.deepEqual([json.statusCode, await json.body.json()], [201, { created: COUNT }]);

  const rows = Array.from({ length: COUNT }, (_, i) => `csv-${i},fleet;csv,${i % 2 === 0}`);
  const csv = await request(`${base}/v1/admin/import`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'text/csv' },
    body: ['id,groups,superuser', ...rows].join('\r\n'),
  });
  assert.deepEqual([csv.statusCode, await csv.body.json()], [201, { created: COUNT }]);

  const one = await v.admin({ url: '/v1/admin/devices/csv-42' });
  assert.deepEqual([one.json().groups.sort(), one.json().superuser], [['csv', 'fleet'], true]);
  const login = await v.broker({ method: 'POST', url: '/v1/authenticate', payload: { clientId: 'json-7', username: 'json-7', password: 'password-7' } });
  assert.equal(login.statusCode, 200, login.body);
});

test('an import with a bad row is refused whole with the row and field named', async (t) => {
  const v = await startTestVerifier(t);
  const res = await v.admin({ method: 'POST', url: '/v1/admin/import', payload: { devices: [{ id: 'ok-1' }, { id: 'bad#1' }] } });
  assert.equal(res.statusCode, 400);
  assert.deepEqual(res.json().error.fields.map((f: { path: string }) => f.path), ['body.devices.1.id']);
  const csv = await v.admin({ method: 'POST', url: '/v1/admin/import', headers: { 'content-type': 'text/csv' }, payload: 'id,colour\ndev-1,red\n' });
  assert.equal(csv.statusCode, 400);
  assert.equal(csv.json().error.code, 'validation');
  assert.equal((await v.admin({ url: '/v1/admin/devices' })).json().items.length, 0);
});
