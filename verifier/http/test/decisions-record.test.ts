import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestVerifier } from '../../test/test-verifier.js';

const PASSWORD = 'correct horse battery staple';

test('denies land in the record with reason, identity, broker and address, and never a password or token', async (t) => {
  const v = await startTestVerifier(t);
  await v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id: 'sensor-9' } });
  await v.admin({ method: 'POST', url: '/v1/admin/devices/sensor-9/credentials', payload: { kind: 'password', secret: PASSWORD } });
  const token = (await v.admin({ method: 'POST', url: '/v1/admin/devices/sensor-9/tokens', payload: {} })).json().token as string;
  const wrong = 'wrong-password-do-not-keep';
  await v.broker({ method: 'POST', url: '/v1/authenticate', payload: { clientId: 'sensor-9', username: 'sensor-9', password: wrong, peerAddress: '10.1.2.3' } });
  await v.broker({ method: 'POST', url: '/v1/authenticate', payload: { clientId: 'sensor-9', username: 'sensor-9', password: PASSWORD, peerAddress: '10.1.2.3' } });
  await v.broker({ method: 'POST', url: '/v1/authenticate', payload: { clientId: 'sensor-9', username: 'sensor-9', password: token } });
  await v.broker({ method: 'POST', url: '/v1/authenticate', payload: { clientId: 'intruder', username: token, password: token } });
  await v.broker({ method: 'POST', url: '/v1/authorize', payload: { clientId: 'sensor-9', action: 'publish', topic: 'a/b' } });

  const res = await v.admin({ url: '/v1/admin/decisions?device=sensor-9' });
  assert.equal(res.statusCode, 200, res.body);
  const items = res.json().items;
  const bad = items.find((d: { reason: string | null }) => d.reason === 'bad_credentials');
  assert.ok(bad, res.body);
  assert.deepEqual([bad.kind, bad.deviceId, bad.peerAddress], ['authenticate', 'sensor-9', '10.1.2.3']);
  assert.match(bad.broker, /^native /);
  assert.ok(items.some((d: { allow: boolean }) => d.allow), 'a sampled allow');
  const acl = await v.admin({ url: '/v1/admin/decisions?reason=acl_denied' });
  assert.deepEqual(acl.json().items.map((d: { topic: string }) => d.topic), ['a/b']);

  const everything = (await v.admin({ url: '/v1/admin/decisions?limit=1000' })).body;
  for (const secret of [PASSWORD, wrong, token, token.split('.')[2]!]) assert.ok(!everything.includes(secret), 'no secret in the record');
});

test('a follow (after + wait) answers as soon as the next deny happens', async (t) => {
  const v = await startTestVerifier(t);
  const last = (await v.admin({ url: '/v1/admin/decisions' })).json().last;
  const started = Date.now();
  const waiting = v.admin({ url: `/v1/admin/decisions?after=${last}&wait=20&reason=unknown_device` });
  await new Promise((resolve) => setTimeout(resolve, 200));
  await v.broker({ method: 'POST', url: '/v1/authenticate', payload: { clientId: 'ghost', username: 'ghost', password: 'whatever-password' } });
  const res = await waiting;
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json().items.map((d: { clientId: string }) => d.clientId), ['ghost']);
  assert.ok(Date.now() - started < 15_000);
});

test('the record needs the admin token and names a bad query field', async (t) => {
  const v = await startTestVerifier(t);
  assert.equal((await v.app.inject({ url: '/v1/admin/decisions' })).statusCode, 401);
  const bad = await v.admin({ url: '/v1/admin/decisions?reason=nope' });
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(bad.json().error.fields.map((f: { path: string }) => f.path), ['querystring.reason']);
});
