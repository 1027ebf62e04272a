/**
 * Lines of one frequent kind written together: each entry is kept (the caller stamps its time) and the
 * batch is one line of `entries` within `intervalMs`, or at `maxEntries` or `maxBytes`. A line per entry
 * costs more than the work it reports once thousands of devices reconnect a second.
 */
import type { LogWrite } from './log-limiter.js';

export interface LineBatchOptions<Entry> {
  /** An entry waits at most this long for its line (default 1 s). */
  intervalMs?: number;
  /** Entries per line (default 256). */
  maxEntries?: number;
  /** About how many bytes of entries a line holds (default 32 KiB, under journald's 48 KiB line limit); one larger entry is a line of its own. */
  maxBytes?: number;
  /** An entry's size in the line, roughly: what a client chose (its id) can make one entry large. */
  sizeOf?: (entry: Entry) => number;
}

export class LineBatch<Entry extends { time: number }> {
  private readonly intervalMs: number;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly sizeOf: (entry: Entry) => number;
  private entries: Entry[] = [];
  private bytes = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly write: LogWrite,
    private readonly message: string,
    options: LineBatchOptions<Entry> = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.maxEntries = options.maxEntries ?? 256;
    this.maxBytes = options.maxBytes ?? 32 * 1024;
    this.sizeOf = options.sizeOf ?? (() => 0);
  }

  add(entry: Entry): void {
    const size = this.sizeOf(entry);
    if (this.entries.length > 0 && this.bytes + size > this.maxBytes) this.flush();
    this.entries.push(entry);
    this.bytes += size;
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
    this.bytes = 0;
    this.write({ count: entries.length, entries }, this.message);
  }
}
