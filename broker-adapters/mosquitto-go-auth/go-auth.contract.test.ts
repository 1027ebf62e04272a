/**
 * Replays every request mosquitto-go-auth (in mosquitto 2.0.11) sent in the captures
 * (`/work/shared/contracts/mosquitto-go-auth-captures.txt`) over a raw socket against a real verifier,
 * in each run's params mode, method and response mode, and checks the status and, where go-auth reads
 * it, the body. Changed bytes: the path (the run's response mode goes into our URI, as operators
 * configure it) and `<JWT>`, which the capture redacted and which becomes a token the verifier issued.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readGoAuthCapture, type CapturedRequest } from '../test/captures.js';
import { provisionCaptureDevices } from '../test/fixtures.js';
import { sendRaw, type RawResponse } from '../test/raw-http.js';
import { startVerifier } from '../test/verifier.js';

/** `username acc topic` allowed by the fixtures' rules (`test/fixtures.ts`). */
const ALLOWED = new Set([
  'alice 4 dev/+/temp', 'alice 1 dev/1/temp', 'alice 1 dev/2/temp', 'alice 4 dev/9', 'alice 4 dev/will', 'alice 1 dev/will',
  'bob 2 dev/1/temp', 'bob 2 dev/2/temp', 'bob 2 dev/will',
  'carol 4 dev/2/temp', 'carol 1 dev/2/temp',
  'admin 2 dev/3/temp',
]);

function params(request: CapturedRequest): Record<string, unknown> {
  const body = Buffer.from(request.body, 'latin1').toString('utf8');
  if (body === 'null' || body === '') return {};
  return body.startsWith('{') ? (JSON.parse(body) as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(body));
}

/** Capture passwords are too short to register, so only token logins pass `user`. */
function expectedAllow(request: CapturedRequest, withToken: boolean): boolean {
  const p = params(request);
  const check = request.path.split('/').pop();
  if (request.path.startsWith('/jwt/')) {
    // The token is bob's: valid, not a superuser, allowed dev/#.
    if (!withToken) return false;
    return check === 'superuser' ? false : check === 'user' || String(p.topic).startsWith('dev/');
  }
  if (check === 'user') return false;
  if (check === 'superuser') return p.username === 'admin';
  return ALLOWED.has(`${String(p.username)} ${String(p.acc)} ${String(p.topic)}`);
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
  const verifier = await startVerifier(t, { provision: provisionCaptureDevices, config: { webhookAllow: ['127.0.0.1/32'] } });
  const token = await verifier.issueToken('bob');
  let replayed = 0;
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
      assertAnswer(response, expectedAllow(request, withToken), mode, `${request.where}: ${request.method} ${request.path} ${request.body}`);
      replayed++;
    }
  }
  assert.equal(replayed, 241);
});
