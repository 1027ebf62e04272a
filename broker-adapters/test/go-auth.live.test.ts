/**
 * Real Mosquitto 2.0 + mosquitto-go-auth configured from the shipped snippets (HTTP backend, then the
 * JWT backend in remote mode; only the verifier's address and the plugin path filled in) in front of
 * the real verifier process, with real clients. The snippets prove the broker by its address, so the
 * verifier runs as their comment says (ARRA_WEBHOOK_ALLOW=127.0.0.1/32). Skips, naming what is
 * missing, where the plugin or Mosquitto is not at hand.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { freePort, mosquittoConfig, readSnippet, SNIPPETS, startMosquitto, type RunningBroker } from './live/brokers.js';
import { disabledWhileConnected, loginCases, outageCases, PASSWORD, provision, quietConnect, rightsCases, type Subject } from './live/cases.js';
import { eventually, issueToken, tryConnect } from './live/clients.js';
import { goAuthMissing, tools } from './live/interop.js';
import { snippetTimeoutMs } from './live/snippet-timeouts.js';
import { startVerifierProcess, type VerifierProcess } from '../../verifier/test/process.js';

async function startFromSnippet(t: TestContext, snippet: string, verifier: VerifierProcess): Promise<RunningBroker> {
  const port = await freePort();
  return startMosquitto(t, tools().mosquitto, { conf: mosquittoConfig(snippet, verifier, port, tools().goAuthPlugin), port });
}

test('Mosquitto + go-auth with the shipped snippets, against the real verifier', { skip: goAuthMissing() ?? false }, async (t) => {
  const verifier = await startVerifierProcess(t, { ARRA_WEBHOOK_ALLOW: '127.0.0.1/32' });
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
      await t.test('a normal connect and disconnect leave no warning in either log', (t) => quietConnect(t, subject, p, /level=(?:warning|error)/g));
      await loginCases(t, subject, p);
      await rightsCases(t, subject, p);
      await t.test('a device disabled while connected stays connected, its publishes dropped', (t) => disabledWhileConnected(t, subject, p));
      await outageCases(t, subject, p);
    });
  }
  for (const broker of [httpBroker, jwtBroker]) assert.equal(broker.alive(), true, `Mosquitto ended (${broker.exit()}):\n${broker.log().slice(-4000)}`);
});

/** The snippet's commented `?secret=` alternative switched on, as its comment tells a remote broker to. */
function withUriSecret(snippet: string): string {
  const secretForm = [...snippet.matchAll(/^# (auth_opt_\w+_uri) (\S+\?secret=CHANGE-ME)$/gm)];
  let text = snippet;
  for (const [line, key, uri] of secretForm) text = text.replace(new RegExp(`^${key} \\S+$`, 'm'), `${key} ${uri}`).replace(line, '');
  return text;
}

test('the ?secret= form of both go-auth snippets works without the address allow-list, and leaks as documented', { skip: goAuthMissing() ?? false }, async (t) => {
  const verifier = await startVerifierProcess(t);
  await provision(verifier, 's-');
  const { token } = await issueToken(verifier, 's-sensor');
  for (const snippet of [readSnippet(SNIPPETS.goAuth), readSnippet(SNIPPETS.goAuthJwt)]) {
    const form = withUriSecret(snippet);
    assert.match(form, /\?secret=CHANGE-ME$/m, 'the snippet offers no ?secret= form');
    const broker = await startFromSnippet(t, form, verifier);
    const login = /auth_opt_backends jwt/.test(snippet) ? { clientId: 's-sensor', username: token, password: 'x' } : { clientId: 's-sensor', username: 's-sensor', password: PASSWORD };
    assert.equal((await tryConnect(t, broker.port, login)).ok, true);
  }
  // What the README says this form leaks: with the verifier down, go-auth logs the URI, secret included.
  const broker = await startFromSnippet(t, withUriSecret(readSnippet(SNIPPETS.goAuth)), verifier);
  await verifier.kill();
  assert.equal((await tryConnect(t, broker.port, { clientId: 's-sensor', username: 's-sensor', password: PASSWORD })).ok, false);
  assert.equal(await eventually(() => broker.log().includes(`secret=${verifier.secret}`), 5000), true, 'the URI secret was not in the log');
});
