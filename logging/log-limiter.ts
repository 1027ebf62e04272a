/** Refusal log lines per client, message and reason are limited per window, then summed up in one line. */

export type LogWrite = (fields: Record<string, unknown>, message: string) => void;

export interface LogLimiterOptions {
  /** Lines written per key per window (default 5). */
  linesPerWindow?: number;
  /** Window length, ms (default 10 s). */
  windowMs?: number;
  /** Keys tracked per window; further keys share one bucket, so a scan from many clients stays bounded (default 10,000). */
  maxKeys?: number;
}

interface Bucket {
  written: number;
  suppressed: number;
  /** The first line left out: its fields and message make the summary. */
  example?: { fields: Record<string, unknown>; message: string };
}

const OVERFLOW_KEY = '\u0000other clients';

export class LogLimiter {
  private readonly linesPerWindow: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private buckets = new Map<string, Bucket>();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly write: LogWrite,
    options: LogLimiterOptions = {},
  ) {
    this.linesPerWindow = options.linesPerWindow ?? 5;
    this.windowMs = options.windowMs ?? 10_000;
    this.maxKeys = options.maxKeys ?? 10_000;
  }

  log(client: string, fields: { reason: string } & Record<string, unknown>, message: string): void {
    const bucket = this.bucketFor(`${client}\u0000${message}\u0000${fields.reason}`);
    if (bucket.written < this.linesPerWindow) {
      bucket.written++;
      this.write(fields, message);
      return;
    }
    bucket.suppressed++;
    bucket.example ??= { fields, message };
  }

  private bucketFor(key: string): Bucket {
    const known = this.buckets.get(key);
    if (known !== undefined) return known;
    const overflow = this.buckets.size >= this.maxKeys;
    const name = overflow ? OVERFLOW_KEY : key;
    let bucket = this.buckets.get(name);
    if (bucket === undefined) this.buckets.set(name, (bucket = { written: overflow ? this.linesPerWindow : 0, suppressed: 0 }));
    if (this.timer === null) {
      // One timer while anything is tracked (flush stops it); none for an idle service.
      this.timer = setInterval(() => this.flush(), this.windowMs);
      this.timer.unref?.();
    }
    return bucket;
  }

  /** Ends the window (also at shutdown): one summary line per key that had lines left out; the counts start again. */
  flush(): void {
    const ended = this.buckets;
    this.buckets = new Map();
    for (const [key, { suppressed, example }] of ended) {
      if (suppressed === 0 || example === undefined) continue;
      // The shared bucket's summary names no client: its first line was just one of many.
      const fields = key === OVERFLOW_KEY ? { reason: example.fields.reason } : example.fields;
      this.write({ ...fields, suppressed, windowMs: this.windowMs }, `${example.message}: ${suppressed} more in this window not logged`);
    }
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
