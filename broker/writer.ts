/**
 * The batched writer: every connection collects its outgoing frames and writes them with one
 * `socket.write` when the current callback (typically one read chunk's worth of packets) has run,
 * or sooner once 64 KB are pending. A write per message costs more than the rest of the delivery
 * path together (measured: ~87k msg/s one write each, ~157k batched).
 *
 * The flush is a `process.nextTick`, not a `setImmediate`: the bytes leave before libuv polls for
 * more I/O instead of after the whole poll phase, which cut the latency tail (p99 at 5000 msg/s
 * about 0.25 ms instead of 0.45 ms in paired runs) and did not cost fan-in throughput, because a
 * publisher's read chunk already carries many messages.
 *
 * @module broker/writer
 */
import type { Duplex } from 'node:stream';

const BATCH_BYTES = 64 * 1024;

const dirty: Writer[] = [];
let flushScheduled = false;

function flushAll(): void {
  flushScheduled = false;
  const writers = dirty.splice(0, dirty.length);
  for (const writer of writers) writer.flush();
}

/** Batches a connection's outgoing frames into one write per callback that produced them. */
export class Writer {
  private chunks: Buffer[] | null = null; // allocated per batch: idle connections hold none
  private size = 0;
  private queued = false;

  constructor(
    private readonly stream: Duplex,
    /** Where written bytes are counted (the broker's counters, shared by every writer). */
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
