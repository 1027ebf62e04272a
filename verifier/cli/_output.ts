/** With `--json` stdout carries exactly one JSON document; else tables or a bare value. Notes go to stderr. */
import type { Writable } from 'node:stream';

export interface Streams {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean; columns?: number };
}

export interface Column<Row> {
  header: string;
  value: (row: Row) => string;
}

export class Output {
  #resultWritten = false;

  constructor(
    readonly json: boolean,
    readonly streams: Streams,
  ) {}

  /** A second call is a bug in the command: it would break the one-document promise. */
  result(data: unknown, human: () => string): void {
    if (this.#resultWritten) throw new Error('a command printed two results');
    this.#resultWritten = true;
    const text = this.json ? JSON.stringify(data, null, 2) : human();
    if (text.length > 0) this.streams.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** `--json` only, unless a result was printed: in human mode `main.ts` wrote the message to stderr. */
  failure(error: { code: string; message: string; fields?: unknown }): void {
    if (this.json && !this.#resultWritten) this.result({ error }, () => '');
  }

  /** A message for the person at the terminal: stderr, never stdout, and not in `--json` mode. */
  note(message: string): void {
    if (!this.json) this.streams.stderr.write(`${message}\n`);
  }
}

/** Rows as left-aligned columns under upper-case headers; an empty list prints only the headers. */
export function formatTable<Row>(rows: readonly Row[], columns: ReadonlyArray<Column<Row>>): string {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((line) => line[i]!.length)),
  );
  const render = (line: string[]): string =>
    line.map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  return [render(columns.map((c) => c.header.toUpperCase())), ...cells.map(render)].join('\n');
}

/** One record as `key  value` lines with the keys aligned; undefined values are left out. */
export function formatRecord(pairs: ReadonlyArray<readonly [string, string | undefined]>): string {
  const present = pairs.filter((pair): pair is readonly [string, string] => pair[1] !== undefined);
  const width = Math.max(0, ...present.map(([key]) => key.length));
  return present.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join('\n');
}

export function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}

export function list(values: readonly string[] | null | undefined): string {
  return values && values.length > 0 ? values.join(',') : '-';
}

/** Unix milliseconds or an ISO string, printed as ISO 8601 UTC; `-` when absent. */
export function when(value: number | string | null | undefined): string {
  if (value === null || value === undefined) return '-';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}
