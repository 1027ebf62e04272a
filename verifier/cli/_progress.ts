/**
 * A one-line progress bar on stderr, for uploads. Drawn only when stderr is a terminal (the caller
 * decides), redrawn at most every 100 ms, and erased when done so the final line stands alone.
 */
import type { Writable } from 'node:stream';

const REDRAW_MS = 100;
const BAR_WIDTH = 30;

export class ProgressBar {
  #done = 0;
  #lastDraw = 0;

  constructor(
    readonly stream: Writable,
    readonly total: number,
    readonly label: string,
  ) {}

  advance(bytes: number): void {
    this.#done += bytes;
    const now = Date.now();
    if (now - this.#lastDraw >= REDRAW_MS || this.#done >= this.total) {
      this.#lastDraw = now;
      this.stream.write(`\r${renderBar(this.label, this.#done, this.total)}`);
    }
  }

  /** Replaces the bar with `message` (e.g. "processing on the verifier..."), or erases it. */
  finish(message = ''): void {
    this.stream.write(`\r\x1b[2K${message}`);
  }
}

function renderBar(label: string, done: number, total: number): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(ratio * BAR_WIDTH);
  const percent = String(Math.floor(ratio * 100)).padStart(3);
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${percent}% ${megabytes(done)}/${megabytes(total)} MB`;
}

function megabytes(bytes: number): string {
  return (bytes / 1_048_576).toFixed(1);
}
