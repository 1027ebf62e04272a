/**
 * The identity attacks of issue 12 through real Mosquitto + go-auth (HTTP and JWT backends, shipped
 * snippets): a client that authenticated as device gw names a superuser's client id and asks for `#`;
 * it gets only gw's rights, so the subscription is refused. (Mosquitto's C layer refuses a client
 * without username, so the anonymous case exists only through NanoMQ: `nanomq-identity.live.test.ts`.)
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { freePort, mosquittoConfig, readSnippet, SNIPPETS, startMosquitto } from './live/brokers.js';
import { addDevice, issueToken, subscribe, tryConnect, type Login } from './live/clients.js';
import { goAuthMissing, tools } from './live/interop.js';
import { startVerifierProcess, type VerifierProcess } from '../../verifier/test/process.js';

const PASSWORD = 'gateway-password-01';
const DENIED = 0x80;

async function setUp(t: TestContext) {
  const verifier = await startVerifierProcess(t, { ARRA_WEBHOOK_ALLOW: '127.0.0.1/32' });
  // gw may use any client id; root is a superuser.
  await addDevice(verifier, 'gw', { password: PASSWORD, requireClientIdMatch: false });
  await addDevice(verifier, 'root', { password: PASSWORD, superuser: true });
  const { token } = await issueToken(verifier, 'gw');
  return { verifier, gwToken: token };
}

/** Logs in as `login` (which names root's client id) and asks for everything: must not get it. */
async function borrowsNothing(t: TestContext, port: number, login: Login): Promise<void> {
  const result = await tryConnect(t, port, login);
  if (!result.ok) return; // refused outright: nothing borrowed either
  const [code] = await subscribe(result.client, '#');
  assert.ok(code! >= DENIED, `client id ${login.clientId} was granted # (${code})`);
}

test('Mosquitto + go-auth: a client id naming a superuser confers nothing', { skip: goAuthMissing() ?? false }, async (t) => {
  const { verifier, gwToken } = await setUp(t);
  const start = async (snippet: string, v: VerifierProcess) => {
    const port = await freePort();
    return startMosquitto(t, tools().mosquitto, { conf: mosquittoConfig(snippet, v, port, tools().goAuthPlugin), port });
  };
  const http = await start(readSnippet(SNIPPETS.goAuth), verifier);
  const jwt = await start(readSnippet(SNIPPETS.goAuthJwt), verifier);
  await t.test('HTTP backend: gw with its password under client id root', (t) => borrowsNothing(t, http.port, { clientId: 'root', username: 'gw', password: PASSWORD }));
  await t.test("HTTP backend: gw's token as username under client id root", (t) => borrowsNothing(t, http.port, { clientId: 'root', username: gwToken, password: 'x' }));
  await t.test("JWT backend: gw's token under client id root", (t) => borrowsNothing(t, jwt.port, { clientId: 'root', username: gwToken, password: 'x' }));
  for (const broker of [http, jwt]) assert.equal(broker.alive(), true);
});
