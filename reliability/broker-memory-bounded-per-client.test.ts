/**
 * One authorized client against the broker's memory: the three ways one device grew the process by
 * hundreds of MiB (issue 13) now stay within its byte budgets plus a fixed overhead. The broker runs
 * in a child process with its shipped limits; its RSS is read from /proc before and after each
 * attack, with the attacking client still connected (and again after it left).
 *
 * Before the byte budgets (same counts as the soak run): 200 filters × 16,000 levels 99 → 879 MiB;
 * 1,500 × 250 KB QoS 1 to its own topic, never read, 103 → 592 MiB (kept after it disconnected);
 * 1,500 retained × 200 KB, 167 → 501 MiB.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { recordResult, rssKib, scale, spawnChild } from './harness.js';

const BROKER = 'reliability/fixtures/broker-child.ts';
const COUNT = scale(600, 1500);
/**
 * Per attack: the client's budget (16 MiB queued or retained by default) twice over (the message and
 * its frame in the socket's buffer), plus 96 MiB of fixed overhead: the allocator keeps much of the
 * 150 MB of payload copies the attack churns through (58–81 MiB measured for the second attack).
 */
const BOUND_MIB = 128;

interface Client {
  socket: Socket;
  packets: Packet[];
  closed: Promise<void>;
}

async function client(t: TestContext, port: number, clientId: string): Promise<Client> {
  const socket = connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  socket.on('error', () => {});
  const packets: Packet[] = [];
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  parser.on('packet', (p: Packet) => packets.push(p));
  socket.on('data', (chunk) => parser.parse(chunk));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId, clean: true, keepalive: 0 }));
  await until(() => packets.some((p) => p.cmd === 'connack'), 5000);
  return { socket, packets, closed };
}

async function until(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Writes frames with backpressure, so the test itself does not buffer the attack. */
async function writeAll(socket: Socket, frames: Iterable<Buffer>): Promise<void> {
  for (const frame of frames) {
    if (!socket.write(frame)) await new Promise((resolve) => socket.once('drain', resolve));
  }
}

const mib = (kib: number) => Math.round((kib / 1024) * 10) / 10;

test('one client cannot grow the broker beyond its byte budgets plus a fixed overhead', { timeout: 240_000 }, async (t) => {
  const broker = await spawnChild(t, BROKER);
  const port = broker.ready.port as number;
  const pid = broker.process.pid!;
  const results: Record<string, unknown> = { count: COUNT };
  const measure = async (name: string, attack: () => Promise<void>) => {
    const before = rssKib(pid);
    const started = Date.now();
    await attack();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = rssKib(pid);
    results[name] = { beforeMiB: mib(before), afterMiB: mib(after), growthMiB: mib(after - before), ms: Date.now() - started };
    assert.ok(after - before < BOUND_MIB * 1024, `${name}: RSS ${mib(before)} → ${mib(after)} MiB`);
  };

  await measure('deepFilters', async () => {
    const c = await client(t, port, 'deep');
    const filter = Array.from({ length: 16_000 }, () => 'a').join('/');
    await writeAll(c.socket, Array.from({ length: 200 }, (_, i) => mqttPacket.generate({ cmd: 'subscribe', messageId: i + 1, subscriptions: [{ topic: `d${i}/${filter}`, qos: 0 }] })));
    await until(() => c.packets.filter((p) => p.cmd === 'suback').length === 200, 60_000);
    assert.ok(c.packets.every((p) => p.cmd !== 'suback' || (p.granted as number[])[0] === 0x80), 'every deep filter refused');
  });

  await measure('ownTopicUnread', async () => {
    const c = await client(t, port, 'self');
    c.socket.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'self/loop', qos: 1 }] }));
    c.socket.pause(); // never reads again: everything the broker sends it stays with the broker
    const payload = Buffer.alloc(250 * 1000, 0x61);
    await writeAll(c.socket, (function* () {
      for (let i = 0; i < COUNT; i++) yield mqttPacket.generate({ cmd: 'publish', topic: 'self/loop', payload, qos: 1, messageId: (i % 65535) + 1, retain: false, dup: false });
    })());
    const probe = await client(t, port, 'probe-1'); // the broker still answers, and has read it all
    probe.socket.write(mqttPacket.generate({ cmd: 'pingreq' }));
    await until(() => probe.packets.some((p) => p.cmd === 'pingresp'), 60_000);
  });

  await measure('retainedFlood', async () => {
    const c = await client(t, port, 'retainer');
    const payload = Buffer.alloc(200 * 1000, 0x62);
    await writeAll(c.socket, (function* () {
      for (let i = 0; i < COUNT; i++) yield mqttPacket.generate({ cmd: 'publish', topic: `keep/${i}`, payload, qos: 0, retain: true, dup: false });
    })());
    c.socket.write(mqttPacket.generate({ cmd: 'pingreq' }));
    await until(() => c.packets.some((p) => p.cmd === 'pingresp'), 60_000);
  });

  recordResult('broker-memory-bounded-per-client', { ...results, boundMiB: BOUND_MIB });
  assert.equal(broker.exited(), false);
});
