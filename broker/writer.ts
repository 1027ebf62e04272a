// One `socket.write` per connection per callback (or per 64 KB): a write per message costs more than the
// rest of delivery. Flushed on `process.nextTick`, so bytes leave before the next I/O poll.
import type { Duplex } from 'node:stream';

const BATCH_BYTES = 64 * 1024;

const dirty: Writer[] = [];
let flushScheduled = false;

function flushAll(): void {
  flushScheduled = false;
  const writers = dirty.splice(0, dirty.length);
  for (const writer of writers) writer.flush();
}

export class Writer {
  private chunks: Buffer[] | null = null; // allocated per batch: idle connections hold none
  private size = 0;
  private queued = false;

  constructor(
    private readonly stream: Duplex,
    private readonly counters: { bytesOut: number },
  ) {}

  /** Bytes not yet handed to the kernel: a slow consumer shows up here. */
  get backlog(): number {
    return this.size + this.stream.writableLength;
  }

  write(frame: Buffer): void {
    if (this.stream.destroyed) return;
    (this.chunks ??= []).push(frame);
    this.size += frame.length;
    if (this.size >= BATCH_BYTES) {
      this.flush();
      return;
    }
    if (!this.queued) {
      this.queued = true;
      dirty.push(this);
      if (!flushScheduled) {
        flushScheduled = true;
        process.nextTick(flushAll);
      }
    }
  }

  flush(): void {
    this.queued = false;
    if (this.chunks === null) return;
    const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    this.counters.bytesOut += this.size;
    this.chunks = null;
    this.size = 0;
    if (!this.stream.destroyed && this.stream.writable) this.stream.write(data);
  }
}
