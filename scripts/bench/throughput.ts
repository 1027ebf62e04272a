/**
 * Fan-in throughput: 4 publishers → 1 subscriber on a wildcard filter, 64-byte payloads, QoS 0 (as
 * fast as the sockets take them) or QoS 1 (a window of unacknowledged PUBLISHes per publisher). The
 * rate is what the subscriber receives, from the first write to the last delivery.
 */
import { performance } from 'node:perf_hooks';
import { PUBACK, PUBLISH, SUBACK, rawClient, type RawClient } from './client.js';
import { pubackFrame, publishBatch, publishTemplate, subscribeFrame, type PublishTemplate } from './frames.js';

export interface FanInOptions {
  qos: 0 | 1;
  publishers?: number;
  perPublisher: number;
  /** Unacknowledged QoS 1 PUBLISHes per publisher. */
  window?: number;
  timeLimitMs?: number;
  /** First topic level: the subscriber takes `<prefix>/#`, publisher i sends to `<prefix>/p<i>` (default `bench`). */
  prefix?: string;
  /** The subscriber's session outlives its connection (Clean Session 0): the broker keeps what it holds for it. */
  persistent?: boolean;
}

export interface FanInResult {
  sent: number;
  received: number;
  elapsedMs: number;
  msgsPerSec: number;
}

const BATCH = 64;

/** Answers QoS 1 deliveries, corked so a burst of PUBACKs leaves in one write. */
export function subscriberHandler(sub: RawClient, qos: 0 | 1, onMessage: () => void) {
  let corked = false;
  return (type: number, frame: Buffer, bodyStart: number) => {
    if (type !== PUBLISH) return;
    onMessage();
    if (qos === 0 || (frame[0]! & 0x06) === 0) return;
    const topicLength = frame.readUInt16BE(bodyStart);
    const id = frame.readUInt16BE(bodyStart + 2 + topicLength);
    if (!corked) {
      corked = true;
      sub.socket.cork();
      process.nextTick(() => {
        corked = false;
        sub.socket.uncork();
      });
    }
    sub.socket.write(pubackFrame(id));
  };
}

async function publishQos0(pub: RawClient, template: PublishTemplate, count: number, deadline: number): Promise<number> {
  const batch = publishBatch(template, BATCH);
  let sent = 0;
  while (sent < count && performance.now() < deadline) {
    await pub.write(batch);
    sent += BATCH;
  }
  return sent;
}

export function publishQos1(pub: RawClient, template: PublishTemplate, count: number, window: number, deadline: number): Promise<number> {
  return new Promise((resolve) => {
    let sent = 0;
    let acked = 0;
    let nextId = 1;
    const frameLength = template.frame.length;
    const pump = () => {
      const n = Math.min(window - (sent - acked), count - sent);
      if (n <= 0) return;
      const out = Buffer.allocUnsafe(frameLength * n);
      for (let i = 0; i < n; i++) {
        template.frame.copy(out, i * frameLength);
        out.writeUInt16BE(nextId, i * frameLength + template.idOffset);
        nextId = nextId === 65535 ? 1 : nextId + 1;
      }
      sent += n;
      pub.socket.write(out);
    };
    const timer = setTimeout(() => resolve(sent), Math.max(0, deadline - performance.now()));
    pub.onFrame((type) => {
      if (type !== PUBACK) return;
      acked += 1;
      if (acked >= count) {
        clearTimeout(timer);
        resolve(sent);
      } else pump();
    });
    pump();
  });
}

export async function fanIn(port: number, options: FanInOptions): Promise<FanInResult> {
  const publishers = options.publishers ?? 4;
  const timeLimit = options.timeLimitMs ?? 20_000;
  const total = publishers * options.perPublisher;
  const sub = await rawClient(port, `bench-sub-${options.qos}${options.persistent ? '-persistent' : ''}`, 0, !options.persistent);
  const pubs = await Promise.all(Array.from({ length: publishers }, (_, i) => rawClient(port, `bench-pub-${options.qos}-${i}`)));
  try {
    const suback = sub.next(SUBACK);
    const prefix = options.prefix ?? 'bench';
    sub.socket.write(subscribeFrame(`${prefix}/#`, options.qos));
    await suback;
    let received = 0;
    let lastAt = 0;
    let allIn: () => void = () => {};
    const done = new Promise<void>((resolve) => (allIn = resolve));
    sub.onFrame(subscriberHandler(sub, options.qos, () => {
      received += 1;
      lastAt = performance.now();
      if (received >= total) allIn();
    }));
    const start = performance.now();
    const deadline = start + timeLimit;
    const sentPer = await Promise.all(pubs.map((pub, i) => {
      const template = publishTemplate(`${prefix}/p${i}`, options.qos);
      return options.qos === 0
        ? publishQos0(pub, template, options.perPublisher, deadline)
        : publishQos1(pub, template, options.perPublisher, options.window ?? 100, deadline);
    }));
    // Deliveries still in flight get until the deadline (plus a second) to arrive.
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, Math.max(1000, deadline + 1000 - performance.now())))]);
    const elapsedMs = (lastAt || performance.now()) - start;
    return { sent: sentPer.reduce((a, b) => a + b, 0), received, elapsedMs, msgsPerSec: (received / elapsedMs) * 1000 };
  } finally {
    sub.close();
    pubs.forEach((p) => p.close());
  }
}
