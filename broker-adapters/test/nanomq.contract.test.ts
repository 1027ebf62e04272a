/**
 * Replays every request NanoMQ 0.25.5 sent in the captures (`broker-adapters/test/captures/nanomq-captures`),
 * byte for byte over a raw socket, against a real verifier (SQLite store, decision core, adapters),
 * and checks the exact status NanoMQ acts on: 200 allows, anything else denies. The only bytes
 * changed are the path prefix of the request line (`/mqtt/` in the captures, `/nanomq/` here). The
 * captures carry NanoMQ's test header, not our secret: the verifier allows 127.0.0.1 by address.
 * The devices hold the captured clients' own passwords (`test/fixtures.ts`), so a captured CONNECT
 * with the registered pair is an allow, and every password login the capture's server accepted with
 * that pair must be accepted here too.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readNanomqCapture, readNanomqDocConnect, type CapturedRequest } from './captures.js';
import { REPLAY_ENV, acceptsPasswordLogin, isCapturePassword, provisionCaptureDevices } from './fixtures.js';
import { sendRaw } from './raw-http.js';
import { startTestVerifier } from '../../verifier/test/test-verifier.js';

const FILES = ['form_post.txt', 'get_cache.txt', 'json_post.txt', 'legacy.txt', 'noheaders.txt', 'tls.txt'];

/** Devices the captures' identities name (by username, or by the CN of a trusted certificate). */
const KNOWN = new Set(['bob', 'u1', 'u', 'root', 'dev-042', 'dev-043']);
/** `identity access topic` allowed by the fixtures' rules, besides each device's own $SYS status event. */
const ALLOWED = new Set(['bob 1 a/+/c,d/#', 'u1 2 allow/x', 'u 2 r/1', 'u 1 x/y', 'dev-043 2 t/1']);
/** Captured password logins with a registered pair that the capture's own server accepted (all of them accepted here too). */
const LOGINS_ALLOWED = 23;

function params(request: CapturedRequest): Record<string, string> {
  const query = request.path.split('?')[1];
  if (query !== undefined) return Object.fromEntries(new URLSearchParams(query));
  if (request.body.startsWith('{')) return JSON.parse(Buffer.from(request.body, 'latin1').toString('utf8')) as Record<string, string>;
  return Object.fromEntries(new URLSearchParams(request.body));
}

/** A captured password CONNECT (no trusted certificate) carrying a device's registered capture password. */
function isRegisteredLogin(request: CapturedRequest, trustCertSubject: boolean): boolean {
  const p = params(request);
  const certified = trustCertSubject && p.dn !== undefined;
  return request.path.startsWith('/mqtt/auth') && !certified && isCapturePassword(p.username, p.password);
}

/** Who each client id authenticated as (device, username), as the verifier records it for later acl requests. */
type Admitted = Map<string, { who: string | undefined; username: string | undefined }>;

/**
 * What the product must answer, from the fixtures (see `test/fixtures.ts`) and the logins replayed
 * before: a superuser / acl request is decided for the identity its client id authenticated as, and
 * denied when that client id never authenticated or names another username or certificate.
 */
function expectedStatus(request: CapturedRequest, trustCertSubject: boolean, admitted: Admitted): number {
  const p = params(request);
  if (Object.keys(p).length === 0) return 400; // no headers configured: NanoMQ sent nothing to decide on
  const endpoint = request.path.split('?')[0]!.replace('/mqtt/', '');
  const certDevice = trustCertSubject ? /(?:^|, )CN=([^,]+)/.exec(p.dn ?? '')?.[1] : undefined;
  if (endpoint === 'auth') {
    // A trusted certificate names the device (both captured ones are registered); a username beside it must be that device.
    const allowed = certDevice !== undefined ? p.username === undefined || p.username === certDevice : acceptsPasswordLogin(p.clientid ?? '', p.username, p.password);
    if (allowed) admitted.set(p.clientid!, { who: certDevice ?? p.username, username: p.username });
    return allowed ? 200 : 403;
  }
  const record = admitted.get(p.clientid ?? '');
  if (record === undefined || (p.username !== undefined && p.username !== record.username)) return 403;
  if (certDevice !== undefined && certDevice !== record.who) return 403;
  const who = record.who;
  if (endpoint === 'superuser') return who === 'root' ? 200 : 403;
  if (who === undefined || !KNOWN.has(who)) return 403;
  if (p.access === '2' && p.topic === `$SYS/brokers/client_status/${p.clientid}`) return 200;
  return ALLOWED.has(`${who} ${p.access} ${p.topic}`) ? 200 : 403;
}

async function replay(t: import('node:test').TestContext, trustCertSubject: boolean, files: string[]) {
  const verifier = await startTestVerifier(t, {
    provision: provisionCaptureDevices,
    env: { ...REPLAY_ENV, ARRA_WEBHOOK_ALLOW: '127.0.0.1/32', ARRA_TRUST_CERT_SUBJECT: String(trustCertSubject) },
  });
  let replayed = 0;
  let loginsAllowed = 0;
  const admitted: Admitted = new Map();
  for (const file of files) {
    for (const request of readNanomqCapture(file)) {
      const status = await send(verifier.port, request);
      const where = `${request.where}: ${request.method} ${request.path} ${request.body}`;
      assert.equal(status, expectedStatus(request, trustCertSubject, admitted), where);
      if (isRegisteredLogin(request, trustCertSubject) && request.captured?.status === 200) {
        assert.equal(status, 200, `the capture's server accepted this registered login: ${where}`);
        loginsAllowed++;
      }
      replayed++;
    }
  }
  return { replayed, loginsAllowed };
}

/** The captured bytes, with only the path prefix moved onto our routes. */
async function send(port: number, request: CapturedRequest): Promise<number> {
  const raw = Buffer.from(request.raw.replace(/^(GET|POST) \/mqtt\//, '$1 /nanomq/'), 'latin1');
  return (await sendRaw(port, raw)).status;
}

test('every captured NanoMQ request gets the status the registry calls for (200 allow, 403 deny, 400 unusable)', async (t) => {
  const { replayed, loginsAllowed } = await replay(t, true, FILES);
  assert.equal(replayed, 257);
  assert.equal(loginsAllowed, LOGINS_ALLOWED);
});

test('certificate-only NanoMQ logins are refused when the operator did not trust certificate subjects', async (t) => {
  await replay(t, false, ['tls.txt']);
});

test('the verbatim CONNECT quoted in nanomq.md is allowed with its registered password, and refused with one byte of it changed', async (t) => {
  const verifier = await startTestVerifier(t, { provision: provisionCaptureDevices, env: { ...REPLAY_ENV, ARRA_WEBHOOK_ALLOW: '127.0.0.1/32' } });
  const connect = readNanomqDocConnect();
  assert.equal(await send(verifier.port, connect), 200);
  // `p@ss w&rd=2`: same length, so the captured Content-Length still holds.
  const wrong = { ...connect, raw: connect.raw.replace('password=p%40ss%20w%26rd%3D1&', 'password=p%40ss%20w%26rd%3D2&') };
  assert.notEqual(wrong.raw, connect.raw);
  assert.equal(await send(verifier.port, wrong), 403);
});
