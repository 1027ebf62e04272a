/**
 * A scripted password brute force over HTTP against the shipped lockout settings: hundreds of wrong
 * passwords for one device, fifty in flight at a time, from one address and from rotating addresses.
 * Not one guess is allowed, the device stays locked even for its right password while the lockout
 * lasts, and another device (from its own address) logs in untouched.
 *
 * @module reliability/security-brute-force-lockout
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pool, postJson, recordResult, scale } from './harness.js';
import { BROKER_HEADERS, startTestVerifier } from '../verifier/test/test-verifier.js';
import { CredentialCreate, DeviceCreate } from '../schemas/admin.js';

const GUESSES = scale(500, 5000);

test(`${GUESSES} wrong passwords lock the attacked device and only it`, { timeout: 180_000 }, async (t) => {
  const v = await startTestVerifier(t, { env: { ARRA_LOG_LEVEL: 'fatal' } });
  for (const [id, secret] of [['victim', 'victim-password-1'], ['bystander', 'bystander-password-1']] as const) {
    await v.useCases.createDevice(DeviceCreate.parse({ id }));
    await v.useCases.addCredential(id, CredentialCreate.parse({ kind: 'password', secret }));
  }
  const reasons: Record<string, number> = {};
  let allowed = 0;
  let errors = 0;
  const started = performance.now();
  await pool(GUESSES, 50, async (i) => {
    // Half from one address, half from rotating ones (a botnet): the device key must hold either way.
    const peerAddress = i % 2 ? '203.0.113.9' : `198.18.${(i >> 8) & 255}.${i & 255}`;
    const answer = await postJson(v.url, '/v1/authenticate', { clientId: 'victim', username: 'victim', password: `guess-${i}-password`, peerAddress }, BROKER_HEADERS);
    if (answer.status === 200) allowed++;
    else if (answer.status === 403) {
      const reason = (answer.json as { reason: string }).reason;
      reasons[reason] = (reasons[reason] ?? 0) + 1;
    } else errors++;
  });
  const attackMs = Math.round(performance.now() - started);
  const victimRight = await postJson(v.url, '/v1/authenticate', { clientId: 'victim', username: 'victim', password: 'victim-password-1', peerAddress: '192.0.2.50' }, BROKER_HEADERS);
  const bystander = await postJson(v.url, '/v1/authenticate', { clientId: 'bystander', username: 'bystander', password: 'bystander-password-1', peerAddress: '192.0.2.77' }, BROKER_HEADERS);
  recordResult('security-brute-force', {
    guesses: GUESSES,
    allowed,
    errors,
    reasons,
    attackMs,
    victimRightPasswordDuringLockout: (victimRight.json as { reason?: string }).reason ?? victimRight.status,
    bystanderStatus: bystander.status,
  });
  assert.equal(allowed, 0, 'no guess got in');
  assert.equal(errors, 0, 'every guess got a decision');
  assert.ok((reasons.locked_out ?? 0) >= GUESSES * 0.9, `most guesses met the lockout: ${JSON.stringify(reasons)}`);
  assert.equal(victimRight.status, 403);
  assert.equal((victimRight.json as { reason?: string }).reason, 'locked_out', 'the lockout holds even for the right password');
  assert.equal(bystander.status, 200, 'another device is not locked out');
});
