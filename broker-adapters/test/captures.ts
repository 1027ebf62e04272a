/**
 * Parsers for the captured broker requests in `captures/` beside this file (the wire contracts'
 * evidence, kept in the repository so the replays run on any clone): NanoMQ's raw request dumps
 * (`nanomq-captures/*.txt`, every byte as the broker sent it) and the go-auth request log
 * (`mosquitto-go-auth-captures.txt`, one request per line, reassembled here into HTTP/1.1 bytes), each
 * with the answer the capture's own test server gave, plus the verbatim CONNECT `nanomq.md` quotes.
 * Requests are latin1 strings (one char per wire byte), so every byte survives unchanged. The NanoMQ
 * dumps were written by a capture server that decoded each wire byte as latin1 and stored the text as
 * UTF-8 (`å` on the wire, C3 A5, is stored as C3 83 C2 A5); decoding the file as UTF-8 gives back the
 * wire bytes, which every captured Content-Length confirms (`checkLength`).
 *
 * @module broker-adapters/test/captures
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The captures and the contract documents that quote them, inside the repository. */
export const CONTRACTS_DIR = fileURLToPath(new URL('captures', import.meta.url));

export interface CapturedRequest {
  /** Capture file and scenario, for failure messages. */
  where: string;
  method: string;
  /** The path as captured, before the test maps it onto our routes. */
  path: string;
  /** The whole request, byte for byte, as a latin1 string (request line, headers, body). */
  raw: string;
  /** The body alone (latin1). */
  body: string;
  /**
   * What the capture's test server answered (scripted per scenario, so not a judgement on the
   * credentials): its status, and its body where the capture recorded it.
   */
  captured: { status: number; body?: string } | null;
}

/** Every request NanoMQ sent in one capture file. */
export function readNanomqCapture(file: string): CapturedRequest[] {
  const text = readFileSync(join(CONTRACTS_DIR, 'nanomq-captures', file), 'utf8');
  if (/[\u0100-\uffff]/.test(text)) throw new Error(`${file}: not a byte-per-character dump`);
  const requests: CapturedRequest[] = [];
  let scenario = '';
  let block: string[] | null = null;
  let status = 0;
  const flush = () => {
    if (block !== null) requests.push({ ...nanomqRequest(`${file} / ${scenario}`, block), captured: { status } });
    block = null;
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('=================== SCENARIO: ')) {
      flush();
      scenario = line.slice('=================== SCENARIO: '.length);
    } else if (line.startsWith('  http| ----- #')) {
      flush();
      block = [];
      status = capturedStatus(file, line);
    } else if (line.startsWith('  http| ') && block !== null) {
      block.push(line.slice('  http| '.length));
    } else {
      flush();
    }
  }
  flush();
  return requests;
}

/** `----- #8 08:40:20 from 127.0.0.1:51732 -> reply 200`: the status the capture server answered. */
function capturedStatus(file: string, line: string): number {
  const status = /-> reply (\d{3})$/.exec(line)?.[1];
  if (status === undefined) throw new Error(`${file}: no reply status in ${line}`);
  return Number(status);
}

/** Header lines keep their captured `\r`; the body is what follows the empty line, without the dump's final newline. */
function nanomqRequest(where: string, lines: string[]): Omit<CapturedRequest, 'captured'> {
  const blank = lines.indexOf('\r');
  if (blank < 0) throw new Error(`${where}: no end of headers`);
  const head = lines.slice(0, blank + 1).map((l) => `${l}\n`).join('');
  const body = lines.slice(blank + 1).join('\n');
  checkLength(where, head, body);
  const [method = '', path = ''] = lines[0]!.split(' ');
  return { where, method, path, raw: head + body, body };
}

export interface GoAuthRun {
  name: string;
  /** `auth_opt_*` / `plugin_opt_*` options of the run, without the prefix. */
  options: Record<string, string>;
  requests: CapturedRequest[];
}

/** Every run of the go-auth capture log, with its requests reassembled as HTTP/1.1 bytes. */
export function readGoAuthCapture(): GoAuthRun[] {
  const text = readFileSync(join(CONTRACTS_DIR, 'mosquitto-go-auth-captures.txt'), 'latin1');
  const runs: GoAuthRun[] = [];
  let scenario = '';
  for (const line of text.split('\n')) {
    const run = runs[runs.length - 1];
    if (line.startsWith('################ ')) {
      runs.push({ name: line.slice(17), options: {}, requests: [] });
    } else if (line.startsWith('## ')) {
      scenario = line.slice(3);
    } else if (line.startsWith('# ') && run) {
      const [key = '', ...value] = line.slice(2).split(' ');
      run.options[key.replace(/^(auth|plugin)_opt_/, '')] = value.join(' ');
    } else if (/^[A-Z]+ \//.test(line) && run) {
      run.requests.push(goAuthRequest(`${run.name} / ${scenario}`, line));
    }
  }
  return runs;
}

/** `METHOD /path [Name: value, ...] body=... -> STATUS 'reply'`: Go sends Host first, then these headers. */
function goAuthRequest(where: string, line: string): CapturedRequest {
  const match = /^([A-Z]+) (\S+) \[(.*?)\] body=(.*) -> (\d{3}) '(.*)'$/.exec(line);
  if (match === null) throw new Error(`${where}: unparsable capture line ${line}`);
  const [, method = '', path = '', headerList = '', body = '', status = '', reply = ''] = match;
  const headers = headerList.split(', ').map((h) => `${h}\r\n`).join('');
  const head = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\n`;
  checkLength(where, head, body);
  return { where, method, path, raw: head + body, body, captured: { status: Number(status), body: reply } };
}

/**
 * The CONNECT that `nanomq.md` quotes as captured verbatim (`mosquitto_pub -i dev-001 -u alice -P
 * 'p@ss w&rd=1'`): its head is written on one line with `\r\n` spelled out, its body on the next.
 * The document does not record the answer.
 */
export function readNanomqDocConnect(): CapturedRequest {
  const text = readFileSync(join(CONTRACTS_DIR, 'nanomq.md'), 'utf8');
  const block = /^Captured verbatim .*\n```\n(POST \/mqtt\/auth .*)\n(.*)\n/m.exec(text);
  if (block === null) throw new Error('nanomq.md: no verbatim CONNECT capture');
  const head = block[1]!.replaceAll('\\r\\n', '\r\n');
  const body = block[2]!;
  const where = 'nanomq.md / captured verbatim';
  checkLength(where, head, body);
  return { where, method: 'POST', path: '/mqtt/auth', raw: head + body, body, captured: null };
}

/** The parse is only trusted when the body has exactly the captured Content-Length (in bytes). */
function checkLength(where: string, head: string, body: string): void {
  const declared = /\r\ncontent-length: *(\d+)\r\n/i.exec(head)?.[1];
  if (declared !== undefined && Number(declared) !== Buffer.byteLength(body, 'latin1')) {
    throw new Error(`${where}: body is ${Buffer.byteLength(body, 'latin1')} bytes, Content-Length says ${declared}`);
  }
}
