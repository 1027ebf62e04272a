import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from 'undici';
import { ADMIN_TOKEN, startTestVerifier } from '../../test/test-verifier.js';

const COUNT = 10_000;

test('10k devices import over a real socket as JSON, then 10k more as CSV', async (t) => {
  const v = await startTestVerifier(t);
  const base = v.url;
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

  // One password only: each is hashed with scrypt on purpose (~50 ms), which is not what this measures.
  const devices = Array.from({ length: COUNT }, (_, i) => ({ id: `json-${i}`, groups: ['fleet'], ...(i === 7 && { password: 'password-7' }) }));
  const json = await request(`${base}/v1/admin/import`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ devices }),
  });
  assert.deepEqual([json.statusCode, await json.body.json()], [201, { created: COUNT, updated: 0, skipped: 0 }]);

  const rows = Array.from({ length: COUNT }, (_, i) => `csv-${i},fleet;csv,${i % 2 === 0}`);
  const csv = await request(`${base}/v1/admin/import`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'text/csv' },
    body: ['id,groups,superuser', ...rows].join('\r\n'),
  });
  assert.deepEqual([csv.statusCode, await csv.body.json()], [201, { created: COUNT, updated: 0, skipped: 0 }]);

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

test('an import whose caller aborts before the answer is rolled back, and its retry with onConflict=skip converges', async (t) => {
  const v = await startTestVerifier(t);
  const base = v.url;
  const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
  // Every password costs a deliberate scrypt hash, so 60 of them keep the verifier busy past the abort.
  const body = JSON.stringify({ devices: Array.from({ length: 60 }, (_, i) => ({ id: `ab-${i}`, password: `password-${i}-long` })) });

  const caller = new AbortController();
  const aborted = request(`${base}/v1/admin/import`, { method: 'POST', headers, body, signal: caller.signal });
  // Abort once the verifier has the request (its access log says so), while it hashes the passwords.
  for (let i = 0; i < 100 && !v.logText().includes('"url":"/v1/admin/import"'); i++) await new Promise((r) => setTimeout(r, 10));
  setTimeout(() => caller.abort(), 100);
  await assert.rejects(aborted, { name: 'AbortError' });
  // The verifier notices at its next check and says so in its log; until then, wait (bounded).
  for (let i = 0; i < 200 && !v.logText().includes('client_closed_request'); i++) await new Promise((r) => setTimeout(r, 100));
  assert.match(v.logText(), /client_closed_request/);
  assert.equal((await v.admin({ url: '/v1/admin/devices' })).json().items.length, 0, 'nothing of the aborted import was committed');

  const first = await request(`${base}/v1/admin/import`, { method: 'POST', headers, body });
  assert.deepEqual([first.statusCode, await first.body.json()], [201, { created: 60, updated: 0, skipped: 0 }]);
  // The answer of an import that did commit was lost: the plain retry is a 409, the skip retry converges.
  const plain = await request(`${base}/v1/admin/import`, { method: 'POST', headers, body });
  assert.equal(plain.statusCode, 409);
  await plain.body.dump();
  const skip = await request(`${base}/v1/admin/import?onConflict=skip`, { method: 'POST', headers, body });
  assert.deepEqual([skip.statusCode, await skip.body.json()], [201, { created: 0, updated: 0, skipped: 60 }]);
  const bad = await v.admin({ method: 'POST', url: '/v1/admin/import?onConflict=merge', payload: { devices: [{ id: 'x' }] } });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.fields[0].path, 'querystring.onConflict');
});
