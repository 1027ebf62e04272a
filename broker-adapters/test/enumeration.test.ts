/**
 * Device ids cannot be enumerated through the CONNECT routes (issue 12): a wrong password for a
 * device that exists and a password for an id that does not get the same status and body in every
 * dialect and on the native route, in about the same time (both cost a scrypt); the precise reason
 * is in the verifier's log only.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { call, type Reply } from './http.js';
import { startTestVerifier } from '../../verifier/test/test-verifier.js';
import { REPLAY_ENV } from './fixtures.js';
import { CredentialCreate, DeviceCreate } from '../../schemas/admin.js';

type Login = (username: string) => Promise<Reply>;

const WRONG = 'not-the-password-1';

test('a wrong password and an unknown device id get the same answer in every dialect, in about the same time', async (t) => {
  const v = await startTestVerifier(t, {
    env: REPLAY_ENV,
    provision: async (admin) => {
      await admin.createDevice(DeviceCreate.parse({ id: 'real-device' }));
      await admin.addCredential('real-device', CredentialCreate.parse({ kind: 'password', secret: 'the-real-password' }));
    },
  });
  const routes: Record<string, Login> = {
    native: (u) => call(v.port, 'POST', '/v1/authenticate', { body: { clientId: u, username: u, password: WRONG } }),
    nanomq: (u) => call(v.port, 'POST', '/nanomq/auth', { body: new URLSearchParams({ clientid: u, username: u, password: WRONG }).toString() }),
    'go-auth': (u) => call(v.port, 'POST', '/go-auth/json/user', { body: { clientid: u, username: u, password: WRONG } }),
    emqx: (u) => call(v.port, 'POST', '/emqx/authn', { body: { clientid: u, username: u, password: WRONG } }),
  };
  for (const [name, login] of Object.entries(routes)) {
    const existing = await login('real-device');
    const unknown = await login('no-such-device');
    assert.ok(existing.status !== 200 || existing.json().result === 'deny', `${name}: a deny`);
    assert.equal(unknown.status, existing.status, `${name}: status`);
    assert.equal(unknown.body, existing.body, `${name}: body`);
  }
  const denials = v.logs().filter((l) => l.msg === 'authenticate denied').map((l) => l.reason);
  assert.ok(denials.includes('unknown_device') && denials.includes('bad_credentials'), 'the log keeps the precise reason');

  // Timing: the median of interleaved attempts. An unknown id pays a dummy scrypt, so it is not a
  // fast "no such device" (before the dummy scrypt it answered in well under a tenth of the time).
  const times = { existing: [] as number[], unknown: [] as number[] };
  for (let i = 0; i < 7; i++) {
    for (const [key, user] of [['existing', 'real-device'], ['unknown', 'no-such-device']] as const) {
      const started = performance.now();
      await routes.native!(user);
      times[key].push(performance.now() - started);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const ratio = median(times.unknown) / median(times.existing);
  t.diagnostic(`median ms: existing ${median(times.existing).toFixed(1)}, unknown ${median(times.unknown).toFixed(1)}, ratio ${ratio.toFixed(2)}`);
  assert.ok(ratio > 0.4 && ratio < 2.5, `unknown/existing median time ratio ${ratio.toFixed(2)} (${median(times.unknown).toFixed(1)} / ${median(times.existing).toFixed(1)} ms)`);
});
