/**
 * A real verifier process (`runtime/verifier.ts` under tsx) for tests that kill one: its URLs once it
 * listens, the admin API as a small client, and kill -9 / restart on the same port.
 *
 * @module verifier/test/process
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';
import { request } from 'undici';

const ENTRY = 'runtime/verifier.ts';
export const PROCESS_ADMIN_TOKEN = 'admin-token-for-process-tests-0123456789';
export const PROCESS_WEBHOOK_SECRET = 'webhook-secret-for-process-tests-0123';

export interface VerifierProcess {
  url: string;
  adminUrl: string;
  child: ChildProcess;
  /** Calls the admin API with the admin token; throws unless it answers 2xx. */
  admin(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<unknown>;
  /** Sends `signal` and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** A new process with the same environment, on the same port. */
  restart(): Promise<VerifierProcess>;
}

function listening(child: ChildProcess, stderr: () => string): Promise<{ url: string; adminUrl: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the verifier did not listen within 60 s: ${stderr()}`)), 60_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: { msg?: string; url?: string; adminUrl?: string };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return;
      }
      if (entry.msg === 'verifier listening' && entry.url) {
        clearTimeout(timer);
        resolve({ url: entry.url, adminUrl: entry.adminUrl ?? entry.url });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the verifier exited (${code ?? signal}) before listening: ${stderr()}`));
    });
  });
}

/** Starts the verifier process with `env` (plus test secrets, port 0, info logs); killed after the test. */
export async function startVerifierProcess(t: TestContext, env: Record<string, string>): Promise<VerifierProcess> {
  const fullEnv = {
    PATH: process.env.PATH ?? '',
    ARRA_HTTP_PORT: '0',
    ARRA_LOG_LEVEL: 'info',
    ARRA_ADMIN_TOKEN: PROCESS_ADMIN_TOKEN,
    ARRA_WEBHOOK_SECRET: PROCESS_WEBHOOK_SECRET,
    ...env,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const { url, adminUrl } = await listening(child, () => stderr);
  return {
    url,
    adminUrl,
    child,
    async admin(method, path, body) {
      const response = await request(`${adminUrl}/v1/admin${path}`, {
        method,
        headers: { authorization: `Bearer ${PROCESS_ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.body.text();
      if (response.statusCode >= 300) throw new Error(`${method} ${path} answered ${response.statusCode}: ${text}`);
      return text ? (JSON.parse(text) as unknown) : undefined;
    },
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    restart: () => startVerifierProcess(t, { ...env, ARRA_HTTP_PORT: new URL(url).port }),
  };
}
