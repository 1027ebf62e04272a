/**
 * Lines of one frequent kind written together: each entry is kept (the caller stamps its time) and the
 * batch is one line of `entries` within `intervalMs`, or at `maxEntries`. A line per entry costs more
 * than the work it reports once thousands of devices reconnect a second.
 */
import type { LogWrite } from './log-limiter.js';

export interface LineBatchOptions {
  /** An entry waits at most this long for its line (default 1 s). */
  intervalMs?: number;
  /** Entries per line (default 256): bounds the line's size. */
  maxEntries?: number;
}

export class LineBatch<Entry extends { time: number }> {
  private readonly intervalMs: number;
  private readonly maxEntries: number;
  private entries: Entry[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly write: LogWrite,
    private readonly message: string,
    options: LineBatchOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.maxEntries = options.maxEntries ?? 256;
  }

  add(entry: Entry): void {
    this.entries.push(entry);
    if (this.entries.length >= this.maxEntries) this.flush();
    else if (this.timer === null) {
      this.timer = setTimeout(() => this.flush(), this.intervalMs);
      this.timer.unref?.();
    }
  }

  /** Writes what is gathered (also at shutdown); nothing when empty. */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.entries.length === 0) return;
    const entries = this.entries;
    this.entries = [];
    this.write({ count: entries.length, entries }, this.message);
  }
}
