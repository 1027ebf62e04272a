/**
 * What a SUBSCRIBE costs beside a large retained store: the median SUBSCRIBE→SUBACK time of
 * wildcard filters that match nothing, first with no retained messages, then after one client
 * retained `retained` small messages. The ratio is what the store adds: about 1 when a SUBSCRIBE
 * costs what it matches (an index), thousands when it scans the store.
 */
import { performance } from 'node:perf_hooks';
import mqttPacket from 'mqtt-packet';
import { PUBACK, SUBACK, rawClient, type RawClient } from './client.js';
import { subscribeFrame } from './frames.js';

export interface RetainedSubscribeResult {
  emptyMs: number;
  fullMs: number;
  /** fullMs / emptyMs. */
  ratio: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Filters that match none of `fill/<n>/<i>`: a literal first level, and `+` first reaching into the fill tree. */
function probeFilter(i: number): string {
  return i % 2 === 0 ? `probe/${i}/#` : `+/${i % 1000}/none/#`;
}

async function subscribeLatency(client: RawClient, count: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const acked = client.next(SUBACK, 60_000);
    const started = performance.now();
    client.socket.write(subscribeFrame(probeFilter(i), 0));
    await acked;
    times.push(performance.now() - started);
  }
  return median(times);
}

async function fillRetained(client: RawClient, count: number): Promise<void> {
  const payload = Buffer.alloc(16, 0x61);
  const BATCH = 1000;
  for (let from = 0; from < count; from += BATCH) {
    const frames: Buffer[] = [];
    for (let i = from; i < Math.min(count, from + BATCH); i++) {
      frames.push(mqttPacket.generate({ cmd: 'publish', topic: `fill/${i % 1000}/${i}`, payload, qos: 0, retain: true, dup: false }));
    }
    await client.write(Buffer.concat(frames));
  }
  // A QoS 1 PUBLISH after them: its PUBACK means the broker has taken every retained one before it.
  const acked = client.next(PUBACK, 120_000);
  await client.write(mqttPacket.generate({ cmd: 'publish', topic: 'fill/done', payload, qos: 1, messageId: 1, retain: false, dup: false }));
  await acked;
}

export async function retainedSubscribe(port: number, options: { retained: number; subscribes: number }): Promise<RetainedSubscribeResult> {
  const subscriber = await rawClient(port, 'retained-probe');
  const filler = await rawClient(port, 'retained-filler');
  try {
    const emptyMs = await subscribeLatency(subscriber, options.subscribes);
    await fillRetained(filler, options.retained);
    const fullMs = await subscribeLatency(subscriber, options.subscribes);
    return { emptyMs, fullMs, ratio: fullMs / emptyMs };
  } finally {
    subscriber.close();
    filler.close();
  }
}
