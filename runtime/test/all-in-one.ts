/** `runtime/start.ts` (what `npm start` runs) as a child process on ephemeral ports, for tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

export interface AllInOne {
  url: string;
  mqttPort: number;
  token: string;
  child: ChildProcess;
  /** Its log lines on stdout so far, parsed (JSON lines). */
  logs: Array<Record<string, unknown>>;
  /** `fetch` of an admin API path with the bearer token. */
  admin(path: string, init?: { method?: string; body?: unknown }): Promise<Response>;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ALL_IN_ONE_TOKEN = 'all-in-one-test-admin-token-0123456789';

/** `t`: a test, or anything that runs cleanups after (a file's `after` hook). */
export async function startAllInOne(t: Pick<TestContext, 'after'>, env: Record<string, string> = {}): Promise<AllInOne> {
  const dataDir = mkdtempSync(join(tmpdir(), 'arra-all-in-one-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'runtime/start.ts'], {
    cwd: ROOT,
    env: { ...process.env, ARRA_DATA_DIR: dataDir, ARRA_HTTP_PORT: '0', ARRA_MQTT_PORT: '0', ARRA_LOG_LEVEL: 'warn', ARRA_ADMIN_TOKEN: ALL_IN_ONE_TOKEN, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) if (line.startsWith('{')) logs.push(JSON.parse(line) as Record<string, unknown>);
  });
  t.after(async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });
  let stderr = '';
  const { url, mqttPort } = await new Promise<{ url: string; mqttPort: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start-up notice within 60 s:\n${stderr}`)), 60_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const m = /verifier (http:\/\/\S+), MQTT on port (\d+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!.replace(/,$/, ''), mqttPort: Number(m[2]) });
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${stderr}`)));
  });
  const admin = (path: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(url + path, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${ALL_IN_ONE_TOKEN}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  return { url, mqttPort, token: ALL_IN_ONE_TOKEN, child, logs, admin };
}
