/**
 * The real processes, killed: `npm start` (runtime/start.ts, verifier and broker in one) and the
 * standalone broker (runtime/broker.ts, asking a verifier over HTTP), each stopped with SIGTERM or
 * SIGKILL and started again on the same data directory. What the broker acknowledged is there after:
 * a retained message (mosquitto_pub), a persistent session's queued QoS 1 (mosquitto_pub) and QoS 2
 * (mqtt.js) messages, each delivered once; and in a QoS 1 burst to an offline persistent subscriber
 * cut by kill -9, every message whose PUBACK the publisher received; QoS 1/2 in flight resume under
 * their packet ids and states, and QoS 2 stays exactly once both ways.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import mqtt, { type IClientOptions } from 'mqtt';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { STUB_SECRET, startStubVerifier } from './authorizer-stub-verifier.js';
import { collect, rawConnect, run, sleep, type RawClient } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOKEN = 'durability-test-admin-token-0123456789';
const PASSWORD = 'correct horse battery';
type Kind = 'npm start' | 'standalone broker';

interface Running {
  child: ChildProcess;
  mqttPort: number;
  /** The all-in-one's verifier (admin API). */
  httpUrl: string;
  exited: Promise<number | null>;
}

function dataDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'arra-durability-kill-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts the process and resolves once its MQTT port is known; killed at the end of the test if still running. */
async function start(t: TestContext, kind: Kind, dir: string, verifierUrl: string): Promise<Running> {
  const env = { ...process.env, ARRA_DATA_DIR: dir, ARRA_MQTT_PORT: '0', ARRA_SYS_INTERVAL: '0', ARRA_LOG_LEVEL: 'info', ARRA_MAX_QUEUED_MESSAGES: '10000' };
  const child = kind === 'npm start'
    ? spawn(process.execPath, ['--import', 'tsx', 'runtime/start.ts'], { cwd: ROOT, env: { ...env, ARRA_HTTP_PORT: '0', ARRA_ADMIN_TOKEN: TOKEN }, stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(process.execPath, ['--import', 'tsx', 'runtime/broker.ts'], { cwd: ROOT, env: { ...env, ARRA_VERIFIER_URL: verifierUrl, ARRA_WEBHOOK_SECRET: STUB_SECRET }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const { mqttPort, httpUrl } = await new Promise<{ mqttPort: number; httpUrl: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} did not start within 60 s:\n${stderr}`)), 60_000);
    const found = (port: number, url = '') => {
      clearTimeout(timer);
      resolve({ mqttPort: port, httpUrl: url });
    };
    if (kind === 'npm start') {
      child.stderr!.on('data', () => {
        const m = /verifier (http:\/\/[^\s,]+).*MQTT on port (\d+)/.exec(stderr);
        if (m) found(Number(m[2]), m[1]);
      });
    } else {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const entry = JSON.parse(line) as { msg?: string; ports?: { mqtt: number } };
        if (entry.msg === 'broker listening' && entry.ports) found(entry.ports.mqtt);
      });
    }
    void exited.then((code) => reject(new Error(`${kind} exited with ${code}:\n${stderr}`)));
  });
  return { child, mqttPort, httpUrl, exited };
}

/** The verifier for the standalone broker; for `npm start`, a device of each name with a password and an allow-all rule. */
async function prepare(t: TestContext, kind: Kind, dir: string, devices: string[]): Promise<{ first: Running; verifierUrl: string }> {
  const stub = await startStubVerifier(t);
  const first = await start(t, kind, dir, stub.url);
  if (kind === 'npm start') {
    for (const id of devices) {
      await admin(first.httpUrl, '/v1/admin/devices', { id });
      await admin(first.httpUrl, `/v1/admin/devices/${id}/credentials`, { kind: 'password', secret: PASSWORD });
    }
    await admin(first.httpUrl, '/v1/admin/rules', { subject: { kind: 'all' }, action: 'all', topic: '#', permission: 'allow' });
  }
  return { first, verifierUrl: stub.url };
}

async function admin(url: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(url + path, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.ok(res.status < 300, `${path}: ${res.status} ${await res.text()}`);
}

async function stop(running: Running, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  running.child.kill(signal);
  const code = await running.exited;
  if (signal === 'SIGTERM') assert.equal(code, 0);
}

function mqttOptions(clientId: string, extra: IClientOptions = {}): IClientOptions {
  return { clientId, username: clientId, password: PASSWORD, reconnectPeriod: 0, connectTimeout: 10_000, ...extra };
}

const persistent = { protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 3600 } };

/** Connects with a collector in place before CONNACK, since a resumed session's messages follow it at once. */
async function connect(t: TestContext, port: number, options: IClientOptions) {
  const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, options);
  t.after(() => new Promise<void>((resolve) => client.end(true, {}, () => resolve())));
  const got = collect(client);
  const connack = await new Promise<mqtt.IConnackPacket>((resolve, reject) => client.once('connect', resolve).once('error', reject));
  return { client, got, connack };
}

async function quiet(got: unknown[], expected: number, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  let last = -1;
  while (Date.now() < until && (got.length < expected || got.length !== last)) {
    last = got.length;
    await sleep(300);
  }
}

for (const kind of ['npm start', 'standalone broker'] as const) {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    test(`${kind}, ${signal}: a retained message and a persistent session's queued QoS 1 and QoS 2 messages survive, each delivered once`, async (t) => {
      const dir = dataDir(t);
      const { first, verifierUrl } = await prepare(t, kind, dir, ['keeper', 'pub-1']);
      const sub = await connect(t, first.mqttPort, mqttOptions('keeper', persistent));
      await sub.client.subscribeAsync('k/#', { qos: 2 });
      await sub.client.endAsync();
      const port = String(first.mqttPort);
      const pubArgs = ['-h', '127.0.0.1', '-p', port, '-i', 'pub-1', '-u', 'pub-1', '-P', PASSWORD];
      await run('mosquitto_pub', [...pubArgs, '-q', '1', '-r', '-t', 'r/state', '-m', 'on']);
      await run('mosquitto_pub', [...pubArgs, '-q', '1', '-t', 'k/1', '-m', 'one']);
      const pub = await connect(t, first.mqttPort, mqttOptions('pub-1', { protocolVersion: 5 }));
      await pub.client.publishAsync('k/2', 'two', { qos: 2 }); // resolves on PUBCOMP
      await pub.client.endAsync();
      await stop(first, signal);

      const second = await start(t, kind, dir, verifierUrl);
      const back = await connect(t, second.mqttPort, mqttOptions('keeper', persistent));
      assert.equal(back.connack.sessionPresent, true);
      await quiet(back.got, 2, 5000);
      assert.deepEqual(back.got.map((m) => [m.topic, m.payload, m.packet.qos]), [['k/1', 'one', 1], ['k/2', 'two', 2]]);
      const retained = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(second.mqttPort), '-i', 'pub-1', '-u', 'pub-1', '-P', PASSWORD, '-t', 'r/#', '-C', '1', '-W', '10', '-v'], 15_000);
      assert.equal(retained.trim(), 'r/state on');
    });
  }

  test(`${kind}: kill -9 in the middle of a QoS 1 burst to an offline persistent subscriber loses no acknowledged message`, async (t) => {
    const dir = dataDir(t);
    const { first, verifierUrl } = await prepare(t, kind, dir, ['sink', 'burst']);
    const sub = await connect(t, first.mqttPort, mqttOptions('sink', persistent));
    await sub.client.subscribeAsync('burst/#', { qos: 1 });
    await sub.client.endAsync();
    const { acked, sent } = await burstUntilKilled(first, 4000, 1000);
    t.diagnostic(`${kind}: ${sent} QoS 1 PUBLISHes sent, ${acked.size} PUBACKed before kill -9`);
    assert.ok(acked.size >= 1000 && acked.size < 4000, `the kill fell inside the burst (${acked.size} acknowledged)`);

    const second = await start(t, kind, dir, verifierUrl);
    const back = await connect(t, second.mqttPort, mqttOptions('sink', persistent));
    await quiet(back.got, acked.size);
    const found = new Set(back.got.map((m) => Number(m.payload)));
    const lost = [...acked].filter((id) => !found.has(id));
    t.diagnostic(`${kind}: ${found.size} found after the restart, ${lost.length} acknowledged ones missing`);
    assert.deepEqual(lost, [], 'every acknowledged message is delivered after the restart');
    assert.equal(back.got.length, found.size, 'none twice');
  });
}

test('npm start, kill -9: QoS 1/2 in flight resume under their packet ids and state, and QoS 2 stays exactly once both ways', async (t) => {
  const dir = dataDir(t);
  const { first, verifierUrl } = await prepare(t, 'npm start', dir, ['inflight', 'sender']);
  const session = (id: string) => ({ username: id, password: Buffer.from(PASSWORD), clean: false, properties: { sessionExpiryInterval: 3600 } });
  const sub = await rawConnect(t, { port: first.mqttPort }, 5, 'inflight', session('inflight'));
  sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'f/#', qos: 2 }] });
  assert.equal((await sub.next()).cmd, 'suback');
  const pub = await rawConnect(t, { port: first.mqttPort }, 5, 'sender', session('sender'));
  const publish = (topic: string, qos: 1 | 2, messageId: number, dup = false) =>
    pub.send({ cmd: 'publish', topic, payload: Buffer.from(topic), qos, messageId, retain: false, dup });
  publish('f/q1', 1, 1);
  publish('f/q2', 2, 2);
  publish('f/released', 2, 3);
  publish('f/inbound', 2, 4);
  const acks = await Promise.all([pub.next(5000), pub.next(5000), pub.next(5000), pub.next(5000)]);
  assert.deepEqual(acks.map((a) => [a.cmd, (a as { messageId: number }).messageId]), [['puback', 1], ['pubrec', 2], ['pubrec', 3], ['pubrec', 4]]);
  pub.send({ cmd: 'pubrel', messageId: 2 });
  pub.send({ cmd: 'pubrel', messageId: 3 });
  assert.deepEqual([(await pub.next(5000)).cmd, (await pub.next(5000)).cmd], ['pubcomp', 'pubcomp']);
  // Id 4 stays PUBRECed, not released: the publisher will send it again after the restart.
  const delivered = await publishes(sub, 4);
  const idOf = Object.fromEntries(delivered.map((p) => [p.topic, p.messageId!]));
  sub.send({ cmd: 'pubrec', messageId: idOf['f/released']! });
  const pubrel = await sub.next(5000);
  assert.deepEqual([pubrel.cmd, (pubrel as { messageId: number }).messageId], ['pubrel', idOf['f/released']]);
  await stop(first, 'SIGKILL');

  const second = await start(t, 'npm start', dir, verifierUrl);
  const back = await rawConnect(t, { port: second.mqttPort }, 5, 'inflight', session('inflight'));
  const resent = await Promise.all([back.next(5000), back.next(5000), back.next(5000), back.next(5000)]);
  assert.deepEqual(resent.map(describe), [
    ['publish', 'f/q1', idOf['f/q1'], 1, true],
    ['publish', 'f/q2', idOf['f/q2'], 2, true],
    ['pubrel', undefined, idOf['f/released'], undefined, undefined],
    ['publish', 'f/inbound', idOf['f/inbound'], 2, true],
  ], 'the same ids and states [MQTT-4.4.0-1]: PUBLISH with DUP, PUBREL where PUBREC came');
  const again = await rawConnect(t, { port: second.mqttPort }, 5, 'sender', session('sender'));
  again.send({ cmd: 'publish', topic: 'f/inbound', payload: Buffer.from('f/inbound'), qos: 2, messageId: 4, retain: false, dup: true });
  assert.deepEqual(describe(await again.next(5000)), ['pubrec', undefined, 4, undefined, undefined]);
  again.send({ cmd: 'pubrel', messageId: 4 });
  assert.deepEqual(describe(await again.next(5000)), ['pubcomp', undefined, 4, undefined, undefined]);
  back.send({ cmd: 'puback', messageId: idOf['f/q1']! });
  back.send({ cmd: 'pubrec', messageId: idOf['f/q2']! });
  back.send({ cmd: 'pubcomp', messageId: idOf['f/released']! });
  back.send({ cmd: 'pubrec', messageId: idOf['f/inbound']! });
  const closing = await Promise.all([back.next(5000), back.next(5000)]);
  assert.deepEqual(closing.map((p) => [p.cmd, (p as { messageId: number }).messageId]), [['pubrel', idOf['f/q2']], ['pubrel', idOf['f/inbound']]]);
  await sleep(500);
  assert.deepEqual(back.packets, [], 'the PUBLISH the sender resent after the restart is not delivered a second time');
});

async function publishes(raw: RawClient, count: number): Promise<Array<{ topic: string; messageId?: number }>> {
  const got = await Promise.all(Array.from({ length: count }, () => raw.next(5000)));
  for (const p of got) assert.equal(p.cmd, 'publish');
  return got as Array<{ topic: string; messageId?: number }>;
}

function describe(packet: Packet): [string, string | undefined, number | undefined, number | undefined, boolean | undefined] {
  const p = packet as { cmd: string; topic?: string; messageId?: number; qos?: number; dup?: boolean };
  return p.cmd === 'publish' ? [p.cmd, p.topic, p.messageId, p.qos, p.dup] : [p.cmd, undefined, p.messageId, undefined, undefined];
}

/**
 * Sends `total` QoS 1 PUBLISHes (payload = its number) over a raw socket, at most 200 unacknowledged,
 * and kill -9s the broker once `killAt` PUBACKs have come back.
 */
async function burstUntilKilled(running: Running, total: number, killAt: number): Promise<{ acked: Set<number>; sent: number }> {
  const socket = net.connect(running.mqttPort, '127.0.0.1');
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const acked = new Set<number>();
  let sent = 0;
  let killed = false;
  const send = (packet: Packet) => socket.write(mqttPacket.generate(packet));
  const pump = () => {
    while (!killed && sent < total && sent - acked.size < 200) {
      sent++;
      send({ cmd: 'publish', topic: `burst/${sent % 8}`, payload: Buffer.from(String(sent)), qos: 1, messageId: sent, retain: false, dup: false });
    }
  };
  const done = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  parser.on('packet', (packet: Packet) => {
    if (packet.cmd === 'connack') return pump();
    if (packet.cmd !== 'puback') return;
    acked.add(packet.messageId!);
    if (!killed && acked.size >= killAt) {
      killed = true;
      running.child.kill('SIGKILL');
      return;
    }
    pump();
  });
  socket.on('data', (chunk) => parser.parse(chunk));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'burst', username: 'burst', password: Buffer.from(PASSWORD), clean: true, keepalive: 60 });
  await done;
  await running.exited;
  return { acked, sent };
}
