/**
 * Shared pieces of the reliability suite: the soak switch, temp dirs, child processes that print one
 * JSON "ready" line, resident memory read from /proc, plain HTTP over undici, and a results file per
 * test that RELIABILITY.md is filled from. Everything a helper opens is closed in `t.after`.
 *
 * @module reliability/harness
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';

/** `ARRA_SOAK=1` (`npm run soak`): longer runs and larger counts. */
export const SOAK = process.env.ARRA_SOAK === '1';

/** `ci` in a normal run, `soak` under `ARRA_SOAK=1`. */
export function scale<T>(ci: T, soak: T): T {
  return SOAK ? soak : ci;
}

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export function tempDir(t: TestContext, prefix = 'arra-rel-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Where each test writes its measured numbers (`reliability/results/<name>.json`, not committed). */
export function recordResult(name: string, data: Record<string, unknown>): void {
  const dir = join(ROOT, 'reliability', 'results');
  mkdirSync(dir, { recursive: true });
  const body = { ...data, mode: SOAK ? 'soak' : 'ci', at: new Date().toISOString() };
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(body, null, 2)}\n`);
  console.log(`[reliability] ${name} ${JSON.stringify(body)}`);
}

export interface Child {
  process: ChildProcess;
  /** The first stdout JSON line that has `ready: true`. */
  ready: Record<string, unknown>;
  /** Everything the child wrote so far (stdout + stderr). */
  output(): string;
  exited(): boolean;
  /** Resolves with the exit signal/code once it is gone. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs `node --import tsx <script>` and waits for a JSON line `{"ready":true,...}` on stdout (or for
 * a line matching `readyWhen`). SIGKILLed in `t.after` if still running.
 */
export async function spawnChild(
  t: TestContext,
  script: string,
  options: { env?: Record<string, string>; args?: string[]; readyWhen?: (line: Record<string, unknown>) => boolean; timeoutMs?: number } = {},
): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...(options.args ?? [])], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  let gone = false;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      gone = true;
      resolve({ code, signal });
    }),
  );
  t.after(async () => {
    if (!gone) {
      child.kill('SIGKILL');
      await exit;
    }
  });
  const isReady = options.readyWhen ?? ((line) => line.ready === true);
  child.stderr!.on('data', (chunk) => (text += String(chunk)));
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    let pending = '';
    const timer = setTimeout(() => reject(new Error(`child ${script} not ready in time:\n${text.slice(-2000)}`)), options.timeoutMs ?? 30_000);
    child.stdout!.on('data', (chunk) => {
      text += String(chunk);
      pending += String(chunk);
      let nl: number;
      while ((nl = pending.indexOf('\n')) !== -1) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        try {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          if (isReady(parsed)) {
            clearTimeout(timer);
            resolve(parsed);
          }
        } catch {
          // not a JSON line
        }
      }
    });
    void exit.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`child ${script} exited (${code ?? signal}) before ready:\n${text.slice(-2000)}`));
    });
  });
  return { process: child, ready, output: () => text, exited: () => gone, exit };
}

/** Resident set size of a process in KiB (Linux /proc). */
export function rssKib(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+)/.exec(status);
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]);
}

export interface HttpAnswer {
  status: number;
  text: string;
  json: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/** One HTTP request; the body is read whole, JSON parsed when it parses. */
export async function http(
  base: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string | Buffer; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  const response = await request(new URL(path, base), {
    method: method as 'GET',
    headers: options.headers ?? {},
    ...(options.body !== undefined ? { body: options.body } : {}),
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  const text = await response.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, text, json, headers: response.headers };
}

/** JSON POST with optional extra headers. */
export function postJson(base: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return http(base, 'POST', path, { headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** Runs `work(i)` for i in [0, count) with at most `limit` in flight. */
export async function pool(count: number, limit: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, count) }, async () => {
    while (next < count) await work(next++);
  });
  await Promise.all(runners);
}

/** mulberry32: a tiny seeded PRNG so a failing fuzz run can be replayed with its printed seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of this run: `ARRA_FUZZ_SEED` to replay one, else random. */
export function fuzzSeed(): number {
  const fixed = process.env.ARRA_FUZZ_SEED;
  return fixed ? Number(fixed) : Math.floor(Math.random() * 2 ** 31);
}
