/**
 * NanoMQ 0.25.5 makes its HTTP auth calls synchronously on its worker threads; with the old snippet
 * (super_req + acl_req, 5 s timeouts) connects 5 ms apart made it stall and then abort
 * (`pthread_mutex_lock: Resource deadlock avoided` in NanoNNG's http client). This holds the shipped
 * snippet to 1,000 back-to-back connects (each starts when the one before has its answer): NanoMQ
 * stays up, every registered login is let in and every wrong password refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort, nanomqConfig, readSnippet, SNIPPETS, startNanomq } from './live/brokers.js';
import { addDevice, tryConnect } from './live/clients.js';
import { nanomqMissing, tools } from './live/interop.js';
import { startVerifierProcess } from '../../verifier/test/process.js';

const CONNECTS = 1000;
const PASSWORD = 'burst-password-0123';

test('1,000 back-to-back connects through NanoMQ: no crash, no wrong decision', { skip: nanomqMissing() ?? false, timeout: 600_000 }, async (t) => {
  const verifier = await startVerifierProcess(t, { ARRA_LOCKOUT_SLOW_AFTER: '100000', ARRA_LOCKOUT_LOCK_AFTER: '100000' });
  await addDevice(verifier, 'fleet', { password: PASSWORD, requireClientIdMatch: false });
  const ports = { mqtt: await freePort(), http: await freePort() };
  const broker = await startNanomq(t, tools().nanomq, { conf: nanomqConfig(readSnippet(SNIPPETS.nanomq), verifier, ports), port: ports.mqtt });
  const wrong: string[] = [];
  const started = Date.now();
  for (let i = 0; i < CONNECTS && broker.alive(); i++) {
    // Every tenth login carries a wrong password and must be refused; the rest must be let in.
    const bad = i % 10 === 9;
    const result = await tryConnect(t, broker.port, { clientId: `fleet-${i}`, username: 'fleet', password: bad ? 'wrong-password-0' : PASSWORD, protocolVersion: i % 2 === 0 ? 4 : 5 });
    if (result.ok) result.client.end(true);
    if (result.ok === bad) wrong.push(`#${i} ${bad ? 'let in with a wrong password' : `refused: ${result.ok ? '' : result.detail}`}`);
  }
  t.diagnostic(`${CONNECTS} connects in ${Date.now() - started} ms`);
  assert.equal(broker.alive(), true, `NanoMQ ended (${broker.exit()}):\n${broker.log().slice(-4000)}`);
  assert.deepEqual(wrong, []);
  // A dial that timed out is where NanoMQ's http client can go wrong (the stall, then the abort). On a
  // loaded machine one can happen even one connect at a time; it must not take NanoMQ down.
  t.diagnostic(`dial timeouts in NanoMQ's log: ${(broker.log().match(/Connect failed: Timed out/g) ?? []).length}`);
  assert.doesNotMatch(broker.log(), /panic/);
});
