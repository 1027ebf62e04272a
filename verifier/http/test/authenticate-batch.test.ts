/**
 * `POST /v1/authenticate/batch`: each request decided as `/v1/authenticate` decides it, one NDJSON line
 * each naming its index, a slow decision written after the ones made at once, and the route behind the
 * broker guard with its body validated like every other.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from 'undici';
import { AUTHENTICATE_BATCH_MAX, AuthenticateBatchLine } from '../../../schemas/index.js';
import { BROKER_HEADERS, startTestVerifier } from '../../test/test-verifier.js';

const PASSWORD = 'correct-horse-battery';

async function withDevices(t: Parameters<typeof startTestVerifier>[0], ids: string[], env: Record<string, string> = {}) {
  const v = await startTestVerifier(t, { env });
  for (const id of ids) {
    assert.equal((await v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id } })).statusCode, 201);
    const cred = await v.admin({ method: 'POST', url: `/v1/admin/devices/${id}/credentials`, payload: { kind: 'password', secret: PASSWORD } });
    assert.equal(cred.statusCode, 201, cred.body);
  }
  return v;
}

function lines(body: string): AuthenticateBatchLine[] {
  return body
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => AuthenticateBatchLine.parse(JSON.parse(line)));
}

test('a batch answers one line per request, each the decision the single route makes for it', async (t) => {
  const v = await withDevices(t, ['dev-1', 'dev-2']);
  const requests = [
    { clientId: 'dev-1', username: 'dev-1', password: PASSWORD },
    { clientId: 'dev-2', username: 'dev-2', password: 'wrong-password' },
    { clientId: 'ghost', username: 'ghost', password: PASSWORD },
    { clientId: 'dev-2', username: 'dev-1', password: PASSWORD },
  ];
  const res = await v.broker({ method: 'POST', url: '/v1/authenticate/batch', payload: { requests } });
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /^application\/x-ndjson/);
  const answered = lines(res.body).sort((a, b) => a.index - b.index);
  assert.deepEqual(answered.map((line) => line.index), [0, 1, 2, 3]);
  for (const [index, one] of requests.entries()) {
    const single = await v.broker({ method: 'POST', url: '/v1/authenticate', payload: one });
    const line = answered[index]!;
    assert.ok('decision' in line, `request ${index} decided`);
    assert.equal(line.decision.allow, single.statusCode === 200, `request ${index}: the same verdict as the single route`);
    if (!line.decision.allow) assert.equal(line.decision.reason, single.json().reason, `request ${index}: the same outward reason`);
    else assert.equal(line.decision.deviceId, single.json().deviceId);
  }
  // A wrong password and an unknown device read alike from outside, as on the single route.
  assert.deepEqual([1, 2].map((i) => (answered[i] as { decision: { reason?: string } }).decision.reason), ['bad_credentials', 'bad_credentials']);
});

test('a decision that must wait (a lockout delay) is written after those made at once, over real HTTP', async (t) => {
  const v = await withDevices(t, ['dev-1', 'dev-2'], { ARRA_LOCKOUT_SLOW_AFTER: '1' });
  // Each password verified once: their reconnects are decided at once. One failure on dev-1: its next
  // guess waits the lockout's delay (250 ms), then a scrypt.
  for (const [id, password] of [['dev-1', PASSWORD], ['dev-2', PASSWORD], ['dev-1', 'wrong-password']] as const) {
    await v.broker({ method: 'POST', url: '/v1/authenticate', payload: { clientId: id, username: id, password } });
  }
  const res = await request(`${v.url}/v1/authenticate/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...BROKER_HEADERS },
    body: JSON.stringify({
      requests: [
        { clientId: 'dev-1', username: 'dev-1', password: 'wrong-password' },
        { clientId: 'dev-1', username: 'dev-1', password: PASSWORD },
        { clientId: 'dev-2', username: 'dev-2', password: PASSWORD },
      ],
    }),
  });
  assert.equal(res.statusCode, 200);
  const arrivals: Array<{ at: number; index: number; allow: boolean }> = [];
  let text = '';
  for await (const chunk of res.body) {
    text += String(chunk);
    const done = text.split('\n');
    text = done.pop()!;
    for (const line of lines(done.join('\n'))) arrivals.push({ at: Date.now(), index: line.index, allow: 'decision' in line && line.decision.allow });
  }
  assert.deepEqual(arrivals.map((a) => [a.index, a.allow]), [[1, true], [2, true], [0, false]]);
  const gap = arrivals[2]!.at - arrivals[1]!.at;
  assert.ok(gap >= 150, `the decisions made at once arrived ${gap} ms before the slowed one`);
});

test('the batch route refuses a caller without the shared secret, and names the field of a bad body', async (t) => {
  const v = await withDevices(t, []);
  const one = { clientId: 'dev-1', username: 'dev-1', password: PASSWORD };
  const stranger = await v.app.inject({ method: 'POST', url: '/v1/authenticate/batch', payload: { requests: [one] } });
  assert.equal(stranger.statusCode, 401);
  const cases: Array<[unknown, RegExp]> = [
    [{ requests: [] }, /requests/],
    [{ requests: Array.from({ length: AUTHENTICATE_BATCH_MAX + 1 }, () => one) }, /requests/],
    [{ requests: [{ ...one, clientId: 7 }] }, /clientId/],
    [{ requests: [one], extra: true }, /extra|unrecognized/i],
    [[one], /body|object/i],
  ];
  for (const [payload, field] of cases) {
    const res = await v.broker({ method: 'POST', url: '/v1/authenticate/batch', payload: payload as object });
    assert.equal(res.statusCode, 400, JSON.stringify(payload).slice(0, 80));
    assert.match(res.body, field);
  }
});
