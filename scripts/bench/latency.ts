/**
 * End-to-end latency at a fixed offered rate: one publisher sends QoS 0 PUBLISHes stamped with
 * `performance.now()`, one subscriber in the same process reads the stamp back, so both ends share a
 * clock. The first half second is warm-up and not recorded.
 *
 * @module scripts/bench/latency
 */
import { performance } from 'node:perf_hooks';
import { PUBLISH, SUBACK, rawClient } from './client.js';
import { publishTemplate, subscribeFrame } from './frames.js';

export interface LatencyResult {
  rate: number;
  samples: number;
  sent: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const WARMUP_MS = 500;

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function latency(port: number, options: { rate: number; durationMs: number }): Promise<LatencyResult> {
  const sub = await rawClient(port, 'bench-lat-sub');
  const pub = await rawClient(port, 'bench-lat-pub');
  try {
    const suback = sub.next(SUBACK);
    sub.socket.write(subscribeFrame('lat/#', 0));
    await suback;
    const samples = new Float64Array(Math.ceil((options.rate * options.durationMs) / 1000) + 1000);
    let count = 0;
    const start = performance.now();
    sub.onFrame((type, frame, bodyStart) => {
      if (type !== PUBLISH) return;
      const stamp = frame.readDoubleLE(bodyStart + 2 + frame.readUInt16BE(bodyStart));
      if (stamp - start >= WARMUP_MS && count < samples.length) samples[count++] = performance.now() - stamp;
    });
    const template = publishTemplate('lat/p', 0);
    const size = template.frame.length;
    let sent = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const now = performance.now();
        if (now - start >= options.durationMs) {
          clearInterval(timer);
          resolve();
          return;
        }
        const due = Math.floor(((now - start) * options.rate) / 1000) - sent;
        if (due <= 0) return;
        const out = Buffer.allocUnsafe(size * due);
        for (let i = 0; i < due; i++) {
          template.frame.copy(out, i * size);
          out.writeDoubleLE(performance.now(), i * size + template.payloadOffset);
        }
        sent += due;
        pub.socket.write(out);
      }, 1);
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const sorted = samples.slice(0, count).sort();
    return { rate: options.rate, samples: count, sent, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted[count - 1] ?? Number.NaN };
  } finally {
    sub.close();
    pub.close();
  }
}
