/**
 * Issue 12, hole 1, through real NanoMQ 0.25 (shipped snippet) and the real verifier process with
 * anonymous access on: an anonymous client that calls itself `root` (a superuser's client id) gets
 * the anonymous rules, and device `gw` (no client id binding) under client id `root` gets gw's. Before
 * the fix both were decided as `root` and could subscribe to `#`. Skips where NanoMQ is not at hand.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort, nanomqConfig, readSnippet, SNIPPETS, startNanomq } from './live/brokers.js';
import { addDevice, allow, connectOk, eventually, inbox, issueToken, subscribe } from './live/clients.js';
import { nanomqMissing, tools } from './live/interop.js';
import { startVerifierProcess } from '../../verifier/test/process.js';

const DENIED = 0x80;

test('NanoMQ: a client id never lends a superuser\'s rights (anonymous or another device)', { skip: nanomqMissing() ?? false }, async (t) => {
  const verifier = await startVerifierProcess(t, { ARRA_ALLOW_ANONYMOUS: 'true' });
  await addDevice(verifier, 'root', { superuser: true });
  await addDevice(verifier, 'monitor', { superuser: true });
  await addDevice(verifier, 'gw', { requireClientIdMatch: false });
  await allow(verifier, 'gw', 'all', 'gw/#');
  await verifier.admin('POST', '/rules', { subject: { kind: 'anonymous' }, action: 'all', topic: 'public/#', permission: 'allow' });
  const ports = { mqtt: await freePort(), http: await freePort() };
  const broker = await startNanomq(t, tools().nanomq, { conf: nanomqConfig(readSnippet(SNIPPETS.nanomq), verifier, ports), port: ports.mqtt });
  const port = broker.port;

  const { token: monitorToken } = await issueToken(verifier, 'monitor');
  const monitor = await connectOk(t, port, { clientId: 'monitor', username: 'monitor', password: monitorToken });
  assert.deepEqual(await subscribe(monitor, '#'), [1], 'a real superuser may');
  const seen = inbox(monitor);

  const anonymous = await connectOk(t, port, { clientId: 'root', protocolVersion: 5 });
  const [everything] = await subscribe(anonymous, '#');
  assert.ok(everything! >= DENIED, `an anonymous client called root was granted # (${everything})`);
  assert.deepEqual(await subscribe(anonymous, 'public/#'), [1], 'the anonymous rules still apply');
  // Allowed first: NanoMQ 0.25.5 disconnects a client after a denied PUBLISH.
  anonymous.publish('public/x', 'anonymous-public', { qos: 0 });
  assert.equal(await eventually(() => seen.some((m) => m.payload === 'anonymous-public'), 20_000), true);
  anonymous.publish('private/x', 'anonymous-private', { qos: 0 });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.deepEqual(seen.filter((m) => m.payload === 'anonymous-private'), []);
  anonymous.end(true);

  const { token } = await issueToken(verifier, 'gw');
  const gw = await connectOk(t, port, { clientId: 'root', username: 'gw', password: token, protocolVersion: 5 });
  const [gwEverything] = await subscribe(gw, '#');
  assert.ok(gwEverything! >= DENIED, `gw under client id root was granted # (${gwEverything})`);
  gw.publish('gw/up', 'gw-own', { qos: 0 });
  assert.equal(await eventually(() => seen.some((m) => m.payload === 'gw-own'), 20_000), true, 'gw keeps its own rights');
  assert.equal(broker.alive(), true, `NanoMQ ended (${broker.exit()}):\n${broker.log().slice(-4000)}`);
});
