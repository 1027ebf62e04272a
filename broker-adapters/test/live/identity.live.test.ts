/**
 * The identity attacks of the authorization issue, through each real broker: a client that
 * authenticated as one device (or as nobody) names a superuser's client id and asks for `#`. Through
 * NanoMQ and Mosquitto + go-auth (HTTP and JWT backends) it gets only the rights of what it
 * authenticated as: the subscription is refused. Anonymous access is on, so the anonymous case can be
 * tried where the broker lets a client in without credentials (NanoMQ; Mosquitto's C layer refuses it).
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { freePort, mosquittoConfig, nanomqConfig, readSnippet, SNIPPETS, startMosquitto, startNanomq } from './brokers.js';
import { addDevice, issueToken, subscribe, tryConnect, type Login } from './clients.js';
import { goAuthMissing, nanomqMissing, tools } from './interop.js';
import { startLiveVerifier, type LiveVerifier } from './verifier-process.js';

const PASSWORD = 'gateway-password-01';
const DENIED = 0x80;

async function setUp(t: TestContext, env: Record<string, string>) {
  const verifier = await startLiveVerifier(t, { env: { ARRA_ALLOW_ANONYMOUS: 'true', ...env } });
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
  assert.ok(code! >= DENIED, `${JSON.stringify({ ...login, password: login.password && '***' })} was granted # (${code})`);
}

test('NanoMQ: a client id naming a superuser confers nothing', { skip: nanomqMissing() ?? false }, async (t) => {
  const { verifier, gwToken } = await setUp(t, {});
  const ports = { mqtt: await freePort(), http: await freePort() };
  const broker = await startNanomq(t, tools().nanomq, { conf: nanomqConfig(readSnippet(SNIPPETS.nanomq), verifier, ports), port: ports.mqtt });
  await t.test('gw with its password under client id root', (t) => borrowsNothing(t, broker.port, { clientId: 'root', username: 'gw', password: PASSWORD }));
  await t.test("gw's token as password, no username, client id root (MQTT 5)", (t) =>
    borrowsNothing(t, broker.port, { clientId: 'root', password: gwToken, protocolVersion: 5 }),
  );
  await t.test('anonymous under client id root', (t) => borrowsNothing(t, broker.port, { clientId: 'root' }));
  await t.test('anonymous under client id root, then root itself still has its rights', async (t) => {
    const result = await tryConnect(t, broker.port, { clientId: 'root', username: 'root', password: PASSWORD });
    assert.equal(result.ok, true);
    if (result.ok) assert.deepEqual(await subscribe(result.client, '#'), [1]);
  });
  assert.equal(broker.alive(), true);
});

test('Mosquitto + go-auth: a client id naming a superuser confers nothing', { skip: goAuthMissing() ?? false }, async (t) => {
  const { verifier, gwToken } = await setUp(t, { ARRA_WEBHOOK_ALLOW: '127.0.0.1/32' });
  const start = async (snippet: string, v: LiveVerifier) => {
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
