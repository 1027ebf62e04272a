/** Reads only the fixed header and remaining length: all the load generator needs, at a fraction of a parser's cost. */

export type OnFrame = (type: number, frame: Buffer, bodyStart: number) => void;

export class FrameScanner {
  #pending: Buffer | null = null;

  constructor(private readonly onFrame: OnFrame) {}

  push(chunk: Buffer): void {
    const buf = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = null;
    let pos = 0;
    while (pos < buf.length) {
      const start = pos;
      if (buf.length - pos < 2) break;
      let length = 0;
      let multiplier = 1;
      let i = pos + 1;
      let complete = false;
      for (let n = 0; n < 4 && i < buf.length; n++, i++) {
        const byte = buf[i]!;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          i++;
          break;
        }
      }
      if (!complete || i + length > buf.length) {
        pos = start;
        break;
      }
      this.onFrame(buf[start]! >> 4, buf.subarray(start, i + length), i - start);
      pos = i + length;
    }
    // Copied: the socket may reuse the chunk's memory.
    if (pos < buf.length) this.#pending = Buffer.from(buf.subarray(pos));
  }
}
