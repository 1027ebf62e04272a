/**
 * Slow and silent HTTP clients against the verifier with its shipped limits: sockets that send
 * nothing, headers a byte at a time, or a body one byte per 20 s. Before the limits, 500 such sockets
 * held 1,000+ descriptors for 100+ s (one still open after 330 s). Now each kind is closed within its
 * deadline (30 s at most), the broker routes answer throughout, and the connection caps close what is
 * over them at once.
 *
 * @module reliability/http-slow-clients-cut
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'undici';
import { postJson, recordResult } from './harness.js';
import { BROKER_HEADERS, startTestVerifier, type TestVerifier } from '../verifier/test/test-verifier.js';
import { CredentialCreate, DeviceCreate } from '../schemas/admin.js';

const PASSWORD = 'slow-client-password-1';
/** The brief's bound: a body dribbled one byte per 20 s is cut within 30 s. */
const CUT_WITHIN_MS = 30_000;

type Kind = 'silent' | 'slow headers' | 'slow body';

interface Attacker {
  kind: Kind;
  socket: Socket;
  openedAt: number;
  closedAfterMs?: number;
}

/** Opens one attacking socket; its dribble stops when it closes. */
function attack(port: number, kind: Kind): Promise<Attacker> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const attacker: Attacker = { kind, socket, openedAt: Date.now() };
    let timer: NodeJS.Timeout | undefined;
    const dribble = (byte: string, everyMs: number) => {
      timer = setInterval(() => socket.write(byte), everyMs);
    };
    socket.once('connect', () => {
      if (kind === 'slow headers') {
        socket.write('POST /v1/authenticate HTTP/1.1\r\nHost: v\r\nX-Slow: ');
        dribble('a', 5_000);
      } else if (kind === 'slow body') {
        socket.write(`POST /v1/authenticate HTTP/1.1\r\nHost: v\r\nContent-Type: application/json\r\nX-Arra-Secret: ${BROKER_HEADERS['x-arra-secret']}\r\nContent-Length: 1000\r\n\r\n{`);
        dribble(' ', 20_000);
      }
      resolve(attacker);
    });
    // Read what the server sends, so its closing (FIN) is seen as 'close' here.
    socket.resume();
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearInterval(timer);
      attacker.closedAfterMs = Date.now() - attacker.openedAt;
    });
    socket.once('error', reject);
  });
}

async function decide(url: string): Promise<{ status: number; ms: number }> {
  const started = Date.now();
  const answer = await postJson(url, '/v1/authenticate', { clientId: 'dev-slow', username: 'dev-slow', password: PASSWORD }, BROKER_HEADERS);
  return { status: answer.status, ms: Date.now() - started };
}

async function provisioned(v: TestVerifier): Promise<void> {
  await v.useCases.createDevice(DeviceCreate.parse({ id: 'dev-slow' }));
  await v.useCases.addCredential('dev-slow', CredentialCreate.parse({ kind: 'password', secret: PASSWORD }));
}

test('slow and silent sockets are cut within their deadlines while decisions keep answering', async (t) => {
  const v = await startTestVerifier(t, { env: { ARRA_LOG_LEVEL: 'warn' } });
  await provisioned(v);
  // A broker's keep-alive connection, open before the attack.
  const broker = new Client(v.url, { keepAliveTimeout: 60_000 });
  t.after(() => broker.close());
  const viaBroker = async () => {
    const res = await broker.request({ method: 'POST', path: '/v1/authenticate', headers: { 'content-type': 'application/json', ...BROKER_HEADERS }, body: JSON.stringify({ clientId: 'dev-slow', username: 'dev-slow', password: PASSWORD }) });
    await res.body.dump();
    return res.statusCode;
  };
  assert.equal(await viaBroker(), 200);

  const kinds: Array<[Kind, number]> = [['silent', 60], ['slow headers', 60], ['slow body', 120]];
  const attackers = await Promise.all(kinds.flatMap(([kind, count]) => Array.from({ length: count }, () => attack(v.port, kind))));
  t.after(() => attackers.forEach((a) => a.socket.destroy()));

  const during: Array<{ atMs: number; status: number; ms: number; broker: number }> = [];
  const started = Date.now();
  while (attackers.some((a) => a.closedAfterMs === undefined) && Date.now() - started < CUT_WITHIN_MS + 5_000) {
    during.push({ atMs: Date.now() - started, ...(await decide(v.url)), broker: await viaBroker() });
    await sleep(2_000);
  }

  const closeTimes = (kind: Kind) => attackers.filter((a) => a.kind === kind).map((a) => a.closedAfterMs ?? Infinity);
  const summary = Object.fromEntries(
    kinds.map(([kind, count]) => [kind, { count, open: closeTimes(kind).filter((ms) => ms === Infinity).length, maxClosedAfterMs: Math.max(...closeTimes(kind)) }]),
  );
  recordResult('http-slow-clients-cut', { summary, decisions: during.length, slowestDecisionMs: Math.max(...during.map((d) => d.ms)) });
  for (const [kind] of kinds) {
    assert.ok(closeTimes(kind).every((ms) => ms <= CUT_WITHIN_MS), `${kind}: every socket closed within 30 s (${JSON.stringify(summary[kind])})`);
  }
  // The shipped deadlines: 10 s for headers (and for a silent connection), 20 s for a whole request.
  assert.ok(Math.max(...closeTimes('silent'), ...closeTimes('slow headers')) < 15_000, JSON.stringify(summary));
  assert.ok(during.length >= 3, 'decisions were asked throughout the attack');
  for (const d of during) assert.deepEqual([d.status, d.broker], [200, 200], `decision at ${d.atMs} ms`);
});

test('connections over the per-address and the global cap are closed at once; the open ones keep answering', async (t) => {
  for (const [env, cap] of [
    [{ ARRA_HTTP_MAX_CONNECTIONS_PER_ADDRESS: '40' }, 40],
    [{ ARRA_HTTP_MAX_CONNECTIONS: '40' }, 40],
  ] as const) {
    const v = await startTestVerifier(t, { env: { ARRA_LOG_LEVEL: 'warn', ...env } });
    await provisioned(v);
    const broker = new Client(v.url);
    t.after(() => broker.close());
    const first = await broker.request({ method: 'GET', path: '/healthz' });
    await first.body.dump();

    const attackers = await Promise.all(Array.from({ length: 60 }, () => attack(v.port, 'silent')));
    t.after(() => attackers.forEach((a) => a.socket.destroy()));
    await sleep(1_000);
    const closed = attackers.filter((a) => a.closedAfterMs !== undefined).length;
    // The broker's connection holds one slot: 39 attackers fit, 21 are closed at once.
    assert.equal(closed, 60 - (cap - 1), JSON.stringify(env));
    const again = await broker.request({ method: 'GET', path: '/healthz' });
    assert.equal(again.statusCode, 200);
    await again.body.dump();
    recordResult(`http-connection-cap-${Object.keys(env)[0]}`, { cap, opened: 60, closedAtOnce: closed });
  }
});
