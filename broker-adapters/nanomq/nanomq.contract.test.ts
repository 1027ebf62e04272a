/**
 * Replays every request NanoMQ 0.25.5 sent in the captures (`/work/shared/contracts/nanomq-captures`),
 * byte for byte over a raw socket, against a real verifier (SQLite store, decision core, adapters),
 * and checks the exact status NanoMQ acts on: 200 allows, anything else denies. The only bytes
 * changed are the path prefix of the request line (`/mqtt/` in the captures, `/nanomq/` here). The
 * captures carry NanoMQ's test header, not our secret: the verifier allows 127.0.0.1 by address.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readNanomqCapture, type CapturedRequest } from '../test/captures.js';
import { provisionCaptureDevices } from '../test/fixtures.js';
import { sendRaw } from '../test/raw-http.js';
import { startVerifier } from '../test/verifier.js';

const FILES = ['form_post.txt', 'get_cache.txt', 'json_post.txt', 'legacy.txt', 'noheaders.txt', 'tls.txt'];

/** Devices the captures' identities name (by username, or by the CN of a trusted certificate). */
const KNOWN = new Set(['bob', 'u1', 'u', 'root', 'dev-042', 'dev-043']);
/** `identity access topic` allowed by the fixtures' rules, besides each device's own $SYS status event. */
const ALLOWED = new Set(['bob 1 a/+/c,d/#', 'u1 2 allow/x', 'u 2 r/1', 'u 1 x/y', 'dev-043 2 t/1']);

function params(request: CapturedRequest): Record<string, string> {
  const query = request.path.split('?')[1];
  if (query !== undefined) return Object.fromEntries(new URLSearchParams(query));
  if (request.body.startsWith('{')) return JSON.parse(Buffer.from(request.body, 'latin1').toString('utf8')) as Record<string, string>;
  return Object.fromEntries(new URLSearchParams(request.body));
}

/** What the product must answer, from the fixtures (see `test/fixtures.ts`), with certificates trusted. */
function expectedStatus(request: CapturedRequest, trustCertSubject: boolean): number {
  const p = params(request);
  if (Object.keys(p).length === 0) return 400; // no headers configured: NanoMQ sent nothing to decide on
  const endpoint = request.path.split('?')[0]!.replace('/mqtt/', '');
  const certDevice = trustCertSubject ? /(?:^|, )CN=([^,]+)/.exec(p.dn ?? '')?.[1] : undefined;
  const who = certDevice ?? p.username;
  if (endpoint === 'auth') return trustCertSubject && p.clientid === 'tls-2' ? 200 : 403; // capture passwords are too short to register
  if (endpoint === 'superuser') return who === 'root' ? 200 : 403;
  if (who === undefined || !KNOWN.has(who)) return 403;
  if (p.access === '2' && p.topic === `$SYS/brokers/client_status/${p.clientid}`) return 200;
  return ALLOWED.has(`${who} ${p.access} ${p.topic}`) ? 200 : 403;
}

async function replay(t: import('node:test').TestContext, trustCertSubject: boolean, files: string[]) {
  const verifier = await startVerifier(t, {
    provision: provisionCaptureDevices,
    config: { webhookAllow: ['127.0.0.1/32'], trustCertSubject },
  });
  let replayed = 0;
  for (const file of files) {
    for (const request of readNanomqCapture(file)) {
      const raw = Buffer.from(request.raw.replace(/^(GET|POST) \/mqtt\//, '$1 /nanomq/'), 'latin1');
      const response = await sendRaw(verifier.port, raw);
      assert.equal(response.status, expectedStatus(request, trustCertSubject), `${request.where}: ${request.method} ${request.path} ${request.body}`);
      replayed++;
    }
  }
  return replayed;
}

test('every captured NanoMQ request gets the status the registry calls for (200 allow, 403 deny, 400 unusable)', async (t) => {
  const replayed = await replay(t, true, FILES);
  assert.equal(replayed, 257);
});

test('certificate-only NanoMQ logins are refused when the operator did not trust certificate subjects', async (t) => {
  await replay(t, false, ['tls.txt']);
});
