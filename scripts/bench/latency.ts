/**
 * End-to-end latency at a fixed offered rate: one publisher sends QoS 0 PUBLISHes stamped with
 * `performance.now()`, one subscriber in the same process reads the stamp back, so both ends share a
 * clock.
 *
 * Two windows are reported apart. The first `warmupMs` after the clients connect is the broker's
 * start: a JIT runtime compiles its hot path then (for our broker, ~2.5 s at 5000 msg/s: lazy
 * compilation on the event loop and optimising compiles on V8's helper threads, which share the
 * broker's pinned core). What follows, `durationMs` long, is the steady state a long-running broker
 * lives in. The first half second (connections settling) is in neither.
 */
import { performance } from 'node:perf_hooks';
import { PUBLISH, SUBACK, rawClient } from './client.js';
import { publishTemplate, subscribeFrame } from './frames.js';

export interface LatencyResult {
  rate: number;
  samples: number;
  sent: number;
  /** The steady-state window. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The warm-up window, from half a second after connecting to `warmupMs`. */
  warmupP99Ms: number;
}

export interface LatencyOptions {
  rate: number;
  warmupMs: number;
  durationMs: number;
}

const SETTLE_MS = 500;

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Samples of one window, preallocated so recording allocates nothing while the broker is measured. */
class Window {
  private readonly samples: Float64Array;
  private count = 0;

  constructor(rate: number, ms: number) {
    this.samples = new Float64Array(Math.ceil((rate * ms) / 1000) + 1000);
  }

  add(value: number): void {
    if (this.count < this.samples.length) this.samples[this.count++] = value;
  }

  sorted(): Float64Array {
    return this.samples.slice(0, this.count).sort();
  }
}

export async function latency(port: number, options: LatencyOptions): Promise<LatencyResult> {
  const sub = await rawClient(port, 'bench-lat-sub');
  const pub = await rawClient(port, 'bench-lat-pub');
  try {
    const suback = sub.next(SUBACK);
    sub.socket.write(subscribeFrame('lat/#', 0));
    await suback;
    const warmup = new Window(options.rate, options.warmupMs);
    const steady = new Window(options.rate, options.durationMs);
    const start = performance.now();
    sub.onFrame((type, frame, bodyStart) => {
      if (type !== PUBLISH) return;
      const stamp = frame.readDoubleLE(bodyStart + 2 + frame.readUInt16BE(bodyStart));
      const sinceStart = stamp - start;
      if (sinceStart >= options.warmupMs) steady.add(performance.now() - stamp);
      else if (sinceStart >= SETTLE_MS) warmup.add(performance.now() - stamp);
    });
    const template = publishTemplate('lat/p', 0);
    const size = template.frame.length;
    const totalMs = options.warmupMs + options.durationMs;
    let sent = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const now = performance.now();
        if (now - start >= totalMs) {
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
    const sorted = steady.sorted();
    return {
      rate: options.rate,
      samples: sorted.length,
      sent,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted[sorted.length - 1] ?? Number.NaN,
      warmupP99Ms: percentile(warmup.sorted(), 99),
    };
  } finally {
    sub.close();
    pub.close();
  }
}
