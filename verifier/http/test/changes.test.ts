import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestVerifier } from '../../test/test-verifier.js';

test('a long poll is answered as soon as the registry changes, with the device that changed', async (t) => {
  const v = await startTestVerifier(t);
  const first = await v.broker({ url: '/v1/changes?waitMs=0' });
  assert.equal(first.statusCode, 200);
  const { revision } = first.json();
  const started = Date.now();
  const poll = v.broker({ url: `/v1/changes?since=${revision}&waitMs=10000` });
  setTimeout(() => void v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id: 'dev-9' } }), 50);
  const answer = await poll;
  assert.ok(Date.now() - started < 2000, 'answered on the change, not at waitMs');
  assert.deepEqual(answer.json(), { revision: revision + 1, changes: [{ kind: 'device', deviceId: 'dev-9' }] });
  const again = await v.broker({ url: `/v1/changes?since=${revision}&waitMs=0` });
  assert.deepEqual(again.json().changes, [{ kind: 'device', deviceId: 'dev-9' }]);
});

test('a revision from before this process gets changes null (re-check everything) at once', async (t) => {
  const v = await startTestVerifier(t);
  const res = await v.broker({ url: '/v1/changes?since=5&waitMs=10000' });
  assert.equal(res.json().changes, null);
});

test('closing the app answers held polls instead of waiting for waitMs', async (t) => {
  const v = await startTestVerifier(t);
  const poll = v.broker({ url: '/v1/changes?waitMs=60000' });
  await new Promise((resolve) => setTimeout(resolve, 50));
  const started = Date.now();
  await v.app.close();
  const res = await poll;
  assert.ok(Date.now() - started < 2000);
  assert.deepEqual(res.json().changes, []);
});

test('the change feed wants the broker secret and a bounded waitMs', async (t) => {
  const v = await startTestVerifier(t);
  assert.equal((await v.app.inject({ url: '/v1/changes?waitMs=0' })).statusCode, 401);
  const tooLong = await v.broker({ url: '/v1/changes?waitMs=3600000' });
  assert.equal(tooLong.statusCode, 400);
  assert.deepEqual(tooLong.json().error.fields.map((f: { path: string }) => f.path), ['querystring.waitMs']);
});
