import { test } from 'node:test';
import assert from 'node:assert/strict';
import mqttPacket from 'mqtt-packet';
import { rawClient, rawConnect, sleep, startBroker } from './helpers.js';

/** A tiny seeded generator, so a failure can be replayed from the seed in the message. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

test('mutated CONNECT, SUBSCRIBE and PUBLISH frames and random bytes never crash or wedge the broker', async (t) => {
  const h = await startBroker(t);
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() & 0xffff);
  const rand = prng(seed);
  const rounds = Number(process.env.FUZZ_ROUNDS ?? 60);
  for (let round = 0; round < rounds; round++) {
    const version = rand() < 0.5 ? 4 : 5;
    const raw = await rawClient(t, h, version);
    raw.socket.on('error', () => {});
    const connect = Buffer.from(
      mqttPacket.generate(
        { cmd: 'connect', protocolId: 'MQTT', protocolVersion: version, clientId: `fuzz-${round}`, clean: true, keepalive: 30, will: { topic: 'w', payload: Buffer.from('w'), qos: 1, retain: false } },
        { protocolVersion: version },
      ),
    );
    if (rand() < 0.3) connect[Math.floor(rand() * connect.length)] = Math.floor(rand() * 256); // a broken CONNECT, sometimes
    raw.socket.write(connect);
    // Mutated real packets hit deeper parser paths than pure noise.
    const base = mqttPacket.generate(
      { cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a/+', qos: 1 }] },
      { protocolVersion: version },
    );
    const publish = mqttPacket.generate(
      { cmd: 'publish', topic: 'a/b', payload: Buffer.from('x'), qos: 1, messageId: 2, retain: false, dup: false },
      { protocolVersion: version },
    );
    const frames = [base, publish].map((frame) => {
      const copy = Buffer.from(frame);
      for (let i = 0; i < 3; i++) copy[Math.floor(rand() * copy.length)] = Math.floor(rand() * 256);
      return copy;
    });
    const noise = Buffer.from(Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)));
    raw.socket.write(Buffer.concat([...frames, noise]));
    await sleep(5);
    raw.socket.destroy();
  }
  const probe = await rawConnect(t, h, 4, 'probe');
  probe.send({ cmd: 'pingreq' });
  assert.equal((await probe.next()).cmd, 'pingresp', `seed ${seed}`);
});
