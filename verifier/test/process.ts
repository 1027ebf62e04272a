/**
 * The one verifier process tests start (`runtime/verifier.ts` under tsx), for what only a process
 * shows: kill -9, a hang (SIGSTOP: the kernel still accepts connections, nobody answers), a restart on
 * the same port and data. Same test secrets as `startTestVerifier`; the admin API as a small client.
 *
 * @module verifier/test/process
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';
import { request } from 'undici';
import { ADMIN_TOKEN, WEBHOOK_SECRET } from './test-verifier.js';

const ENTRY = 'runtime/verifier.ts';

export interface VerifierProcess {
  url: string;
  adminUrl: string;
  host: string;
  port: number;
  /** The webhook secret brokers send. */
  secret: string;
  child: ChildProcess;
  /** Every JSON log line of every run so far. */
  logs: Array<Record<string, unknown>>;
  /** Calls the admin API with the admin token; throws unless it answers 2xx. */
  admin<T = unknown>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
  /** Sends `signal` (a hung process is let go first) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  hang(): void;
  resume(): void;
  /** Starts it again (after `kill`) with the same environment, port and data directory; this object follows it. */
  restart(): Promise<VerifierProcess>;
}

function listening(child: ChildProcess, logs: VerifierProcess['logs'], stderr: () => string): Promise<{ url: string; adminUrl: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the verifier did not listen within 60 s: ${stderr()}`)), 60_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      if (entry.msg === 'verifier listening' && typeof entry.url === 'string') {
        clearTimeout(timer);
        resolve({ url: entry.url, adminUrl: typeof entry.adminUrl === 'string' ? entry.adminUrl : entry.url });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the verifier exited (${code ?? signal}) before listening: ${stderr()}`));
    });
  });
}

/** Starts the verifier process with `env` (over the test secrets, port 0, info logs, a temp data dir); killed after the test. */
export function startVerifierProcess(t: TestContext, env: Record<string, string> = {}): Promise<VerifierProcess> {
  return launch(t, env, {} as VerifierProcess);
}

async function launch(t: TestContext, env: Record<string, string>, self: VerifierProcess): Promise<VerifierProcess> {
  let dataDir = env.ARRA_DATA_DIR;
  if (dataDir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'arra-verifier-process-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    dataDir = dir;
  }
  const fullEnv = {
    PATH: process.env.PATH ?? '',
    ARRA_HTTP_PORT: '0',
    ARRA_LOG_LEVEL: 'info',
    ARRA_ADMIN_TOKEN: ADMIN_TOKEN,
    ARRA_WEBHOOK_SECRET: WEBHOOK_SECRET,
    ...env,
    ARRA_DATA_DIR: dataDir,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (running()) {
      child.kill('SIGCONT');
      child.kill(signal);
    }
    await exited;
  };
  t.after(() => kill());
  const logs: VerifierProcess['logs'] = self.logs ?? [];
  const { url, adminUrl } = await listening(child, logs, () => stderr);
  const { hostname, port } = new URL(url);
  return Object.assign(self, {
    url,
    adminUrl,
    host: hostname,
    port: Number(port),
    secret: fullEnv.ARRA_WEBHOOK_SECRET,
    child,
    logs,
    async admin<T>(method: string, path: string, body?: unknown) {
      const response = await request(`${adminUrl}/v1/admin${path}`, {
        method: method as 'GET',
        headers: { authorization: `Bearer ${fullEnv.ARRA_ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.body.text();
      if (response.statusCode >= 300) throw new Error(`${method} ${path} answered ${response.statusCode}: ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    },
    kill,
    hang: () => void (running() && child.kill('SIGSTOP')),
    resume: () => void (running() && child.kill('SIGCONT')),
    restart: () => launch(t, { ...env, ARRA_DATA_DIR: dataDir, ARRA_HTTP_PORT: port }, self),
  });
}
