/**
 * Replays every request mosquitto-go-auth (in mosquitto 2.0.11) sent in the captures
 * (`broker-adapters/test/captures/mosquitto-go-auth-captures.txt`) over a raw socket against a real verifier,
 * in each run's params mode, method and response mode, and checks the status and, where go-auth reads
 * it, the body. Changed bytes: the path (the run's response mode goes into our URI, as operators
 * configure it) and `<JWT>`, which the capture redacted and which becomes a token the verifier issued.
 * The devices hold the captured clients' own passwords (`test/fixtures.ts`), so every captured `user`
 * check with the registered pair is an allow, and every login the capture's server accepted with that
 * pair must be accepted here too.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readGoAuthCapture, type CapturedRequest } from './captures.js';
import { REPLAY_ENV, acceptsPasswordLogin, isCapturePassword, provisionCaptureDevices } from './fixtures.js';
import { sendRaw, type RawResponse } from './raw-http.js';
import { startTestVerifier } from '../../verifier/test/test-verifier.js';

/** `username acc topic` allowed by the fixtures' rules (`test/fixtures.ts`). */
const ALLOWED = new Set([
  'alice 4 dev/+/temp', 'alice 1 dev/1/temp', 'alice 1 dev/2/temp', 'alice 4 dev/9', 'alice 4 dev/will', 'alice 1 dev/will',
  'bob 2 dev/1/temp', 'bob 2 dev/2/temp', 'bob 2 dev/will',
  'carol 4 dev/2/temp', 'carol 1 dev/2/temp',
  'admin 2 dev/3/temp',
]);

/** Captured logins with a registered pair that the capture's own server accepted (all of them accepted here too). */
const LOGINS_ALLOWED = 54;

function params(request: CapturedRequest): Record<string, unknown> {
  const body = Buffer.from(request.body, 'latin1').toString('utf8');
  if (body === 'null' || body === '') return {};
  return body.startsWith('{') ? (JSON.parse(body) as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(body));
}

/** What the fixtures' registry decides; the JWT runs' token is one the verifier issued to bob. */
function expectedAllow(request: CapturedRequest, withToken: boolean): boolean {
  const p = params(request);
  const check = request.path.split('/').pop();
  if (request.path.startsWith('/jwt/')) {
    // The token is bob's: valid, not a superuser, allowed dev/#.
    if (!withToken) return false;
    return check === 'superuser' ? false : check === 'user' || String(p.topic).startsWith('dev/');
  }
  if (check === 'user') return acceptsPasswordLogin(String(p.clientid), p.username as string | undefined, p.password as string | undefined);
  if (check === 'superuser') return p.username === 'admin';
  return ALLOWED.has(`${String(p.username)} ${String(p.acc)} ${String(p.topic)}`);
}

/** Did the capture's own server let this request through, as go-auth reads the run's response mode? */
function capturedAllow(request: CapturedRequest, mode: string): boolean {
  const { status, body = '' } = request.captured!;
  if (status !== 200) return false;
  if (mode === 'json') return (JSON.parse(body) as { ok: unknown }).ok === true;
  return mode === 'text' ? body === 'ok' : true;
}

/** A captured `user` check carrying a device's registered capture password. */
function isRegisteredLogin(request: CapturedRequest): boolean {
  const p = params(request);
  return request.path === '/mqtt/user' && isCapturePassword(p.username as string | undefined, p.password as string | undefined);
}

function assertAnswer(response: RawResponse, allow: boolean, mode: string, where: string): void {
  if (!allow) {
    assert.equal(response.status, 403, where);
    assert.equal((JSON.parse(response.body) as { ok: unknown }).ok, false, where);
    return;
  }
  assert.equal(response.status, 200, where);
  if (mode === 'text') assert.equal(response.body, 'ok', where);
  if (mode === 'json') assert.deepEqual(JSON.parse(response.body), { ok: true, error: '' }, where);
}

test('every captured go-auth request gets the answer its response mode reads as the registry calls for', async (t) => {
  const verifier = await startTestVerifier(t, { provision: provisionCaptureDevices, env: { ...REPLAY_ENV, ARRA_WEBHOOK_ALLOW: '127.0.0.1/32' } });
  const token = (await verifier.issueToken('bob')).token;
  let replayed = 0;
  let capturedLoginsAllowed = 0;
  for (const run of readGoAuthCapture()) {
    const mode = run.options.http_response_mode ?? run.options.jwt_response_mode ?? 'status';
    for (const request of run.requests) {
      const withToken = request.raw.includes('Bearer <JWT>');
      const raw = request.raw
        .replace(/^(\w+) \/(mqtt|jwt)\/(\w+)/, (_all, method: string, kind: string, check: string) => {
          // status is go-auth's default mode: the bare URI serves it; the other modes name themselves.
          const modePart = mode === 'status' && kind === 'mqtt' ? '' : `/${mode}`;
          return `${method} /go-auth${kind === 'jwt' ? '/jwt' : ''}${modePart}/${check}`;
        })
        .replace('Bearer <JWT>', `Bearer ${token}`);
      const response = await sendRaw(verifier.port, Buffer.from(raw, 'latin1'));
      const where = `${request.where}: ${request.method} ${request.path} ${request.body}`;
      assertAnswer(response, expectedAllow(request, withToken), mode, where);
      if (isRegisteredLogin(request) && capturedAllow(request, mode)) {
        assert.equal(response.status, 200, `the capture's server accepted this registered login: ${where}`);
        capturedLoginsAllowed++;
      }
      replayed++;
    }
  }
  assert.equal(replayed, 241);
  assert.equal(capturedLoginsAllowed, LOGINS_ALLOWED);
});
