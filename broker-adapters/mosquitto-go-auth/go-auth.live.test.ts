/**
 * Real Mosquitto 2.0 + mosquitto-go-auth configured from the shipped snippets (HTTP backend, then the
 * JWT backend in remote mode; only the verifier's address and the plugin path filled in) in front of
 * the real verifier process, with real clients. The snippets prove the broker by its address, so the
 * verifier runs as their comment says (ARRA_WEBHOOK_ALLOW=127.0.0.1/32). Skips, naming what is
 * missing, where the plugin or Mosquitto is not at hand.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { freePort, mosquittoConfig, readSnippet, SNIPPETS, startMosquitto, type RunningBroker } from '../test/live/brokers.js';
import { disabledWhileConnected, loginCases, outageCases, provision, rightsCases, type Subject } from '../test/live/cases.js';
import { goAuthMissing, tools } from '../test/live/interop.js';
import { snippetTimeoutMs } from '../test/live/snippet-timeouts.js';
import { startLiveVerifier, type LiveVerifier } from '../test/live/verifier-process.js';

async function startFromSnippet(t: TestContext, snippet: string, verifier: LiveVerifier): Promise<RunningBroker> {
  const port = await freePort();
  return startMosquitto(t, tools().mosquitto, { conf: mosquittoConfig(snippet, verifier, port, tools().goAuthPlugin), port });
}

test('Mosquitto + go-auth with the shipped snippets, against the real verifier', { skip: goAuthMissing() ?? false }, async (t) => {
  const verifier = await startLiveVerifier(t, { env: { ARRA_WEBHOOK_ALLOW: '127.0.0.1/32' } });
  const http = readSnippet(SNIPPETS.goAuth);
  const jwt = readSnippet(SNIPPETS.goAuthJwt);
  await provision(verifier, 'g-');
  await provision(verifier, 'j-');
  const httpBroker = await startFromSnippet(t, http, verifier);
  const jwtBroker = await startFromSnippet(t, jwt, verifier);
  const viaHttp: Subject = {
    broker: httpBroker,
    verifier,
    passwordLogin: (id, password, clientId = id) => ({ clientId, username: id, password }),
    tokenLogin: (id, token, clientId = id) => ({ clientId, username: id, password: token }),
    hungRefusalMs: snippetTimeoutMs(http, 'go-auth') + 4000,
    clientIdBoundAtConnect: true,
    deniedPublishDisconnects: false,
  };
  const viaJwt: Subject = {
    broker: jwtBroker,
    verifier,
    passwordLogin: null,
    // The token is the username; Mosquitto itself refuses an empty password, so any will do.
    tokenLogin: (_id, token, clientId = _id) => ({ clientId, username: token, password: 'x' }),
    hungRefusalMs: snippetTimeoutMs(jwt, 'go-auth') + 4000,
    clientIdBoundAtConnect: false,
    deniedPublishDisconnects: false,
  };
  for (const [name, subject, p] of [['HTTP backend', viaHttp, 'g-'], ['JWT backend', viaJwt, 'j-']] as const) {
    await t.test(name, async (t) => {
      await loginCases(t, subject, p);
      await rightsCases(t, subject, p);
      await t.test('a device disabled while connected stays connected, its publishes dropped', (t) => disabledWhileConnected(t, subject, p));
      await outageCases(t, subject, p);
    });
  }
  for (const broker of [httpBroker, jwtBroker]) assert.equal(broker.alive(), true, `Mosquitto ended (${broker.exit()}):\n${broker.log().slice(-4000)}`);
});
