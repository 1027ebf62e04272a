/**
 * Denied requests do not flood the log: 20,000 denied QoS 0 publishes from one client write a few
 * warn lines and, when the window ends, one summary with the exact number left out; the broker's
 * counters (and so `/metrics`) count every one.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import mqttPacket from 'mqtt-packet';
import pino from 'pino';
import type { CompiledAcl } from '../../schemas/index.js';
import { allow } from '../authorizers/static.js';
import { rawConnect, rawSubscribe, startBroker } from './helpers.js';

const acl: CompiledAcl = { rules: [{ permission: 'allow', action: 'publish', topic: 'mine/#', eq: false }], noMatch: 'deny' };

function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino({ level: 'warn' }, stream) };
}

test('20,000 denied QoS 0 publishes write a few warn lines and a summary; the counters are exact', async (t) => {
  const { lines, logger } = capturedLogger();
  const h = await startBroker(t, allow(acl), { logger });
  const raw = await rawConnect(t, h, 4, 'flooder');
  const frame = mqttPacket.generate({ cmd: 'publish', topic: 'not/mine', payload: Buffer.from('x'), qos: 0, retain: false, dup: false });
  for (let i = 0; i < 20; i++) raw.send(Buffer.concat(Array.from({ length: 1000 }, () => frame)));
  assert.deepEqual(await rawSubscribe(raw, { 'a/#': 0, 'b/#': 0 }), [0x80, 0x80]);
  raw.send({ cmd: 'pingreq' }); // answered after every PUBLISH before it was handled
  await raw.next();
  assert.deepEqual({ deniedPublishes: h.broker.stats().deniedPublishes, refusedSubscriptions: h.broker.stats().refusedSubscriptions }, { deniedPublishes: 20_000, refusedSubscriptions: 2 });
  const refused = lines.filter((l) => l.msg === 'publish refused');
  assert.ok(refused.length <= 5, `${refused.length} warn lines`);
  await h.broker.close(); // ends the window: the summary is written
  const summary = lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('publish refused:'));
  assert.equal(summary?.suppressed, 20_000 - refused.length);
  assert.equal(summary?.clientId, 'flooder');
  assert.equal(lines.filter((l) => l.msg === 'subscribe refused').length, 2);
  assert.ok(lines.length < 20, `${lines.length} lines in all`);
});
