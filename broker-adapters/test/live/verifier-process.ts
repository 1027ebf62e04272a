/**
 * The verifier as it ships (`runtime/verifier.ts`, its SQLite registry in a temp dir) as a child process
 * on a fixed loopback port, so a test can do to it what happens in production: kill it (SIGKILL),
 * hang it (SIGSTOP: the kernel still accepts connections, nobody answers), let it go on (SIGCONT) and
 * start it again on the same port and data. Provisioning goes through the admin API over HTTP.
 *
 * @module broker-adapters/test/live/verifier-process
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';
import { freePort, tempDir, type VerifierAddress } from './brokers.js';
import { REPO_ROOT } from './interop.js';

export const LIVE_SECRET = 'live-webhook-secret-0123456789';
const ADMIN_TOKEN = 'live-admin-token-0123456789abcdef';

export interface LiveVerifier extends VerifierAddress {
  /** Parsed JSON log lines of every run so far. */
  logs: Array<Record<string, unknown>>;
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  kill(): Promise<void>;
  hang(): void;
  resume(): void;
  /** Starts it again (after `kill`) on the same port and data directory. */
  restart(): Promise<void>;
}

export interface LiveVerifierOptions {
  /** Extra `ARRA_*` variables, e.g. `ARRA_WEBHOOK_ALLOW`, `ARRA_ALLOW_ANONYMOUS`. */
  env?: Record<string, string>;
}

export async function startLiveVerifier(t: TestContext, options: LiveVerifierOptions = {}): Promise<LiveVerifier> {
  const dataDir = tempDir(t, 'arra-live-verifier-');
  const port = await freePort();
  const env = {
    PATH: process.env.PATH ?? '',
    ARRA_DATA_DIR: dataDir,
    ARRA_HTTP_PORT: String(port),
    ARRA_WEBHOOK_SECRET: LIVE_SECRET,
    ARRA_ADMIN_TOKEN: ADMIN_TOKEN,
    ARRA_LOG_LEVEL: 'info',
    ...options.env,
  };
  const logs: Array<Record<string, unknown>> = [];
  let child: ChildProcess | null = null;
  const launch = async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'runtime/verifier.ts'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = await untilListening(child, logs);
  };
  const kill = async () => {
    const running = child;
    child = null;
    if (running === null || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGCONT');
    running.kill('SIGKILL');
    await exited;
  };
  t.after(kill);
  await launch();
  const base = `http://127.0.0.1:${port}`;
  return {
    host: '127.0.0.1',
    port,
    secret: LIVE_SECRET,
    logs,
    admin: async <T>(method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}/v1/admin${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? null : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return (text ? JSON.parse(text) : null) as T;
    },
    kill,
    hang: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    restart: launch,
  };
}

/** Collects the child's JSON log lines and resolves once it says it is listening. */
function untilListening(child: ChildProcess, logs: Array<Record<string, unknown>>): Promise<ChildProcess> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      if (entry.msg === 'verifier listening') resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`verifier exited (${code}) before listening: ${stderr}`)));
  });
}
