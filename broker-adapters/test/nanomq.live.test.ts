/**
 * Real NanoMQ 0.25 configured from the shipped `nanomq.conf` (only the verifier's address and the
 * secret filled in) in front of the real verifier process, with real clients. Skips, naming what is
 * missing, where the NanoMQ binary is not at hand (`ARRA_INTEROP_DIR`, `../shared/interop`).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort, nanomqConfig, readSnippet, SNIPPETS, startNanomq } from './live/brokers.js';
import { disabledWhileConnected, loginCases, outageCases, provision, quietConnect, rightsCases, type Subject } from './live/cases.js';
import { nanomqMissing, tools } from './live/interop.js';
import { snippetTimeoutMs } from './live/snippet-timeouts.js';
import { startVerifierProcess } from '../../verifier/test/process.js';

const P = 'n-';

test('NanoMQ with the shipped snippet, against the real verifier', { skip: nanomqMissing() ?? false }, async (t) => {
  const snippet = readSnippet(SNIPPETS.nanomq);
  const verifier = await startVerifierProcess(t);
  await provision(verifier, P);
  const ports = { mqtt: await freePort(), http: await freePort() };
  const broker = await startNanomq(t, tools().nanomq, { conf: nanomqConfig(snippet, verifier, ports), port: ports.mqtt });
  const subject: Subject = {
    broker,
    verifier,
    passwordLogin: (id, password, clientId = id) => ({ clientId, username: id, password }),
    tokenLogin: (id, token, clientId = id) => ({ clientId, username: id, password: token }),
    // NanoMQ refuses a CONNECT once auth_req times out; the rest is slack for a loaded machine.
    hungRefusalMs: snippetTimeoutMs(snippet, 'nanomq') + 4000,
    clientIdBoundAtConnect: true,
    deniedPublishDisconnects: true,
  };
  await t.test('a normal connect and disconnect leave no warning in either log', (t) => quietConnect(t, subject, P, /Responded: 403/g));
  await loginCases(t, subject, P);
  await rightsCases(t, subject, P);
  await t.test('a device disabled while connected stays connected, its publishes dropped', (t) => disabledWhileConnected(t, subject, P));
  await outageCases(t, subject, P);
  assert.equal(broker.alive(), true, `NanoMQ ended (${broker.exit()}):\n${broker.log().slice(-4000)}`);
});
