/**
 * Test harness: a real broker behind a real TCP server on 127.0.0.1:0, real mqtt.js clients, and a
 * raw socket for hand-built packets. Everything registers its own teardown with `t.after`.
 *
 * @module broker/test/helpers
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import type { TestContext } from 'node:test';
import pino from 'pino';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { createBroker, type Broker, type BrokerOptions } from '../index.js';
import { createStaticAuthorizer, type StaticAuthorizer, type StaticDecision } from '../authorizers/static.js';

export interface Harness {
  broker: Broker;
  authorizer: StaticAuthorizer;
  port: number;
  url: string;
}

/** Fast timer wheel so keepalive and expiry tests finish quickly. */
export const FAST_LIMITS = { tickMs: 50 } as const;

export async function startBroker(
  t: TestContext,
  decision?: StaticDecision,
  options: Partial<Omit<BrokerOptions, 'authorizer'>> = {},
): Promise<Harness> {
  const authorizer = createStaticAuthorizer(decision);
  // BROKER_TEST_LOG=debug shows the broker's log lines on stderr while debugging a test.
  const logger = process.env.BROKER_TEST_LOG ? pino({ level: process.env.BROKER_TEST_LOG }, pino.destination(2)) : undefined;
  const broker = createBroker({ authorizer, logger, ...options, limits: { ...FAST_LIMITS, ...options.limits } });
  const server = net.createServer((socket) => broker.handle(socket, { peerAddress: socket.remoteAddress ?? '', transport: 'tcp' }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  t.after(async () => {
    await broker.close();
    await new Promise((resolve) => server.close(resolve));
  });
  return { broker, authorizer, port, url: `mqtt://127.0.0.1:${port}` };
}

/** Connects an mqtt.js client (v5 unless told otherwise) and waits for CONNACK. */
export async function connectClient(t: TestContext, h: Harness, options: IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect(h.url, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5000, ...options });
  t.after(() => new Promise<void>((resolve) => client.end(true, {}, () => resolve())));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
  return client;
}

/** Resolves with the next message the client receives (or fails after `ms`). */
export function nextMessage(client: MqttClient, ms = 2000): Promise<{ topic: string; payload: Buffer; packet: mqttPacket.IPublishPacket }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no message')), ms);
    client.once('message', (topic, payload, packet) => {
      clearTimeout(timer);
      resolve({ topic, payload, packet });
    });
  });
}

/** Collects every message the client receives. */
export function collect(client: MqttClient): Array<{ topic: string; payload: string; packet: mqttPacket.IPublishPacket }> {
  const got: Array<{ topic: string; payload: string; packet: mqttPacket.IPublishPacket }> = [];
  client.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), packet }));
  return got;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A raw TCP client speaking hand-built packets, reading back parsed packets. */
export interface RawClient {
  socket: net.Socket;
  packets: Packet[];
  /** The bytes received since the last call, as they came off the wire. */
  takeBytes(): Buffer;
  send(data: Buffer | Packet, version?: 4 | 5): void;
  next(ms?: number): Promise<Packet>;
  closed: Promise<void>;
}

export async function rawClient(t: TestContext, h: Pick<Harness, 'port'>, version: 4 | 5 = 4): Promise<RawClient> {
  const socket = net.connect(h.port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  t.after(() => socket.destroy());
  // A write racing the broker's close (a test's timer during teardown) fails with EPIPE; what the
  // broker did is read from `closed` and the packets, not from the socket's error.
  socket.on('error', () => {});
  const parser = mqttPacket.parser({ protocolVersion: version });
  const packets: Packet[] = [];
  const waiters: Array<(p: Packet) => void> = [];
  parser.on('packet', (p: Packet) => {
    const waiter = waiters.shift();
    if (waiter) waiter(p);
    else packets.push(p);
  });
  const chunks: Buffer[] = [];
  socket.on('data', (chunk) => {
    chunks.push(chunk);
    parser.parse(chunk);
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    packets,
    closed,
    takeBytes: () => Buffer.concat(chunks.splice(0)),
    send(data, v = version) {
      socket.write(Buffer.isBuffer(data) ? data : mqttPacket.generate(data, { protocolVersion: v }));
    },
    next(ms = 2000) {
      const queued = packets.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise((resolve, reject) => {
        const waiter = (p: Packet) => {
          clearTimeout(timer);
          resolve(p);
        };
        // A waiter that timed out leaves the queue: the next packet goes to the next caller.
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error('no packet'));
        }, ms);
        waiters.push(waiter);
      });
    },
  };
}

/** Waits for the socket to close, failing after `ms`. */
export function closedWithin(raw: RawClient, ms = 2000): Promise<void> {
  return Promise.race([raw.closed, sleep(ms).then(() => Promise.reject(new Error('socket stayed open')))]);
}

/** A raw client past CONNACK. */
export async function rawConnect(t: TestContext, h: Pick<Harness, 'port'>, version: 4 | 5 = 4, clientId = 'raw', extra: Partial<mqttPacket.IConnectPacket> = {}): Promise<RawClient> {
  const raw = await rawClient(t, h, version);
  raw.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: version, clientId, clean: true, keepalive: 30, ...extra });
  const ack = await raw.next();
  if (ack.cmd !== 'connack') throw new Error(`expected CONNACK, got ${ack.cmd}`);
  return raw;
}

/** Subscribes through a raw client and returns the SUBACK codes. */
export async function rawSubscribe(raw: RawClient, filters: Record<string, number>, messageId = 1): Promise<number[]> {
  raw.send({ cmd: 'subscribe', messageId, subscriptions: Object.entries(filters).map(([topic, qos]) => ({ topic, qos: qos as 0 | 1 | 2 })) });
  const ack = await raw.next();
  if (ack.cmd !== 'suback') throw new Error(`expected SUBACK, got ${ack.cmd}`);
  return ack.granted as number[];
}

/** Runs a command line client without blocking the broker in this process. */
export function run(command: string, args: string[], timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(command, args, { timeout: timeoutMs }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
  );
}

/** Bytes written as the spec's tables show them: `hex('82 06 00 01')`. */
export function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

