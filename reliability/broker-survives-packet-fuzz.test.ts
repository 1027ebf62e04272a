/**
 * Packet fuzz against the bundled broker running as a child process: many sockets send random and
 * mutated MQTT packets while a well-behaved mqtt.js client keeps publishing and receiving. The broker
 * must not crash, must close every connection that sent a frame it has to refuse, and its memory must
 * stay bounded. The seed is printed; `ARRA_FUZZ_SEED=<seed>` replays a run.
 *
 * @module reliability/broker-survives-packet-fuzz
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt from 'mqtt';
import { connectFrame, beforeConnect, mutatedFrame, MUST_CLOSE } from './fuzz-packets.js';
import { fuzzSeed, pool, prng, recordResult, rssKib, scale, spawnChild } from './harness.js';
import { openSocket } from './mqtt-raw.js';

const BROKER = 'reliability/fixtures/broker-child.ts';
const SOCKETS = 50;
const PACKETS_PER_SOCKET = scale(1000, 20_000);
/** Resident memory the attack may leave behind (sockets are gone, buffers should be too). */
const RSS_GROWTH_BOUND_KIB = 96 * 1024;

/** Resolves true when the peer closes the socket within `ms`. */
function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  if (socket.destroyed || socket.readyState === 'closed') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function quietSocket(port: number): Promise<Socket> {
  const socket = await openSocket(port);
  socket.on('error', () => {});
  socket.on('data', () => {});
  return socket;
}

/** A client that publishes QoS 1 to itself every 20 ms and counts what comes back. */
async function wellBehavedClient(port: number) {
  const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: 'good-citizen', reconnectPeriod: 0, connectTimeout: 5000 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync('good/#', { qos: 1 });
  let sent = 0;
  let received = 0;
  let failures = 0;
  client.on('message', () => received++);
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        await client.publishAsync('good/tick', String(sent), { qos: 1 });
        sent++;
      } catch {
        failures++;
      }
      await sleep(20);
    }
  })();
  return {
    counts: () => ({ sent, received, failures }),
    async stop() {
      running = false;
      await loop;
      await sleep(300);
      const connected = client.connected;
      await client.endAsync(true);
      return { sent, received, failures, connected };
    },
  };
}

test('the broker survives 50 sockets of fuzzed packets, closes offenders, and keeps serving a good client', { timeout: scale(180_000, 1_800_000) }, async (t) => {
  const seed = fuzzSeed();
  t.diagnostic(`fuzz seed ${seed} (replay with ARRA_FUZZ_SEED=${seed})`);
  const child = await spawnChild(t, BROKER);
  const port = child.ready.port as number;
  const pid = child.process.pid!;
  const good = await wellBehavedClient(port);
  await sleep(500);
  const rssBefore = rssKib(pid);
  const startedAt = Date.now();
  const beforeAttack = good.counts();

  // 1. Frames that must close the connection, each from a fresh connected socket, on both versions.
  const mustClose = { tried: 0, closed: 0, notClosed: [] as string[] };
  for (const [name, make] of Object.entries(MUST_CLOSE)) {
    for (const version of [4, 5] as const) {
      const frame = make(prng(seed + mustClose.tried), version);
      if (frame === undefined) continue;
      const socket = await quietSocket(port);
      socket.write(connectFrame(version, `mc-${mustClose.tried}`));
      await sleep(30);
      socket.write(frame);
      mustClose.tried++;
      if (await closedWithin(socket, 3000)) mustClose.closed++;
      else mustClose.notClosed.push(`${name} (v${version})`);
      socket.destroy();
    }
  }

  // 2. Packets before CONNECT [MQTT-3.1.0-1].
  const early = { tried: 0, closed: 0 };
  await pool(SOCKETS, SOCKETS, async (i) => {
    const rand = prng(seed ^ (i + 1000));
    const socket = await quietSocket(port);
    socket.write(beforeConnect(rand, i % 2 ? 5 : 4));
    early.tried++;
    if (await closedWithin(socket, 3000)) early.closed++;
    socket.destroy();
  });

  // 3. The storm: SOCKETS sockets each sending PACKETS_PER_SOCKET mutated frames, reconnecting when closed.
  const kinds: Record<string, number> = {};
  let frames = 0;
  let reconnects = 0;
  await pool(SOCKETS, SOCKETS, async (i) => {
    const rand = prng(seed + 7919 * (i + 1));
    const version = i % 2 ? 5 : 4;
    let socket: Socket | undefined;
    for (let n = 0; n < PACKETS_PER_SOCKET; n++) {
      if (!socket || socket.destroyed) {
        socket?.destroy();
        socket = await quietSocket(port);
        socket.write(connectFrame(version, `fz-${i}-${n}`));
        reconnects++;
      }
      const { kind, frame } = mutatedFrame(rand, version);
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      frames++;
      socket.write(frame);
      if (n % 10 === 0) await sleep(1);
    }
    socket?.destroy();
  });

  const attackMs = Date.now() - startedAt;
  const during = good.counts();
  await sleep(1500);
  const rssAfter = rssKib(pid);
  const goodResult = await good.stop();

  recordResult('broker-packet-fuzz', {
    seed,
    sockets: SOCKETS,
    framesSent: frames,
    frameKinds: kinds,
    reconnects,
    mustClose,
    beforeConnect: early,
    attackMs,
    goodClient: { ...goodResult, sentDuringAttack: during.sent - beforeAttack.sent, receivedDuringAttack: during.received - beforeAttack.received },
    rssKib: { before: rssBefore, after: rssAfter, growth: rssAfter - rssBefore, bound: RSS_GROWTH_BOUND_KIB },
    brokerAlive: !child.exited(),
  });

  assert.equal(child.exited(), false, `the broker process died:\n${child.output().slice(-3000)}`);
  assert.deepEqual(mustClose.notClosed, [], 'every frame a broker must refuse closed its connection');
  assert.equal(early.closed, early.tried, 'every packet before CONNECT closed its connection');
  assert.ok(during.sent > beforeAttack.sent && during.received > beforeAttack.received, 'the good client published and received during the attack');
  assert.ok(goodResult.connected, 'the good client is still connected');
  assert.equal(goodResult.failures, 0, 'none of the good client\'s publishes failed');
  assert.ok(goodResult.received >= goodResult.sent - 1, `the good client got its messages back (${goodResult.received}/${goodResult.sent})`);
  assert.ok(rssAfter - rssBefore < RSS_GROWTH_BOUND_KIB, `RSS grew by ${rssAfter - rssBefore} KiB`);
});
