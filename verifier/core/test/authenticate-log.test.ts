import assert from 'node:assert/strict';
import { test } from 'node:test';
import { issueDeviceToken } from '../issue-token.js';
import { AUDIENCE, ISSUER, createHarness } from './helpers.js';

test('every allowed authentication is logged at info, gathered into one line; a deny is logged at once', async (t) => {
  const h = await createHarness(t);
  h.registry.addDevice('dev-1');
  const issued = await issueDeviceToken(h.keys, h.clock, { deviceId: 'dev-1', issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 600 });
  h.registry.tokens.set(issued.jti, { kind: 'jwt', id: `tok-${issued.jti}`, jti: issued.jti, deviceId: 'dev-1', notAfter: null, revoked: false });
  for (let i = 0; i < 5; i++) {
    const decision = await h.decider.authenticate({ clientId: 'dev-1', username: 'dev-1', password: issued.token, peerAddress: `192.0.2.${i}`, protocol: 'mqtt5' });
    assert.equal(decision.allow, true);
  }
  const denied = await h.decider.authenticate({ clientId: 'dev-1', username: 'dev-1', password: 'wrong', peerAddress: '192.0.2.9' });
  assert.equal(denied.allow, false);
  assert.deepEqual(h.logger.lines.map((l) => [l.level, l.msg]), [['warn', 'authenticate denied']], 'the deny at once, the allows not yet');

  h.decider.close();
  const allowed = h.logger.lines.filter((l) => l.msg === 'authentications allowed');
  assert.equal(allowed.length, 1);
  assert.equal(allowed[0]!.level, 'info');
  const { count, entries } = allowed[0]!.obj as { count: number; entries: Array<Record<string, unknown>> };
  assert.equal(count, 5);
  assert.deepEqual(
    entries.map(({ clientId, deviceId, credential, peerAddress, protocol }) => ({ clientId, deviceId, credential, peerAddress, protocol })),
    [0, 1, 2, 3, 4].map((i) => ({ clientId: 'dev-1', deviceId: 'dev-1', credential: 'jwt', peerAddress: `192.0.2.${i}`, protocol: 'mqtt5' })),
  );
  for (const entry of entries) assert.ok(typeof entry.time === 'number' && typeof entry.durationMs === 'number');
  assert.ok(!h.logger.text().includes(issued.token), 'no token in any line');
});
