/**
 * The LXC deployment's two processes for tests: `runtime/verifier.ts` and `runtime/broker.ts` (HTTP
 * authorizer) sharing one data directory, on ephemeral ports, the broker reading the webhook secret
 * the verifier generated there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ALL_IN_ONE_TOKEN, type AllInOne } from './all-in-one.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Standalone extends Omit<AllInOne, 'logs'> {
  dataDir: string;
  broker: ChildProcess;
  /** Everything both processes wrote (stdout and stderr). */
  output(): string;
  /** SIGTERM to the broker, resolved once it exited. */
  stopBroker(): Promise<void>;
}

interface Started {
  child: ChildProcess;
  ready: Record<string, unknown>;
}

/** `brokerEnv`: more variables for the broker (limits). */
export async function startStandalone(t: Pick<TestContext, 'after'>, brokerEnv: Record<string, string> = {}): Promise<Standalone> {
  const dataDir = mkdtempSync(join(tmpdir(), 'arra-standalone-'));
  let output = '';
  const env = { ...process.env, ARRA_DATA_DIR: dataDir, ARRA_LOG_LEVEL: 'info' };
  const children: ChildProcess[] = [];
  t.after(async () => {
    for (const child of children.reverse()) await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
  });
  const run = (script: string, extra: Record<string, string>, msg: string): Promise<Started> => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${script}: not listening within 60 s:\n${output}`)), 60_000);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        output += `${line}\n`;
        const entry = parse(line);
        if (entry?.msg === msg) {
          clearTimeout(timer);
          resolve({ child, ready: entry });
        }
      });
      child.once('exit', (code) => reject(new Error(`${script} exited with ${code}:\n${output}`)));
    });
  };
  const verifier = await run('runtime/verifier.ts', { ARRA_HTTP_PORT: '0', ARRA_ADMIN_TOKEN: ALL_IN_ONE_TOKEN }, 'verifier listening');
  const url = verifier.ready.url as string;
  const broker = await run('runtime/broker.ts', { ARRA_VERIFIER_URL: url, ARRA_MQTT_PORT: '0', ARRA_SYS_INTERVAL: '0', ARRA_BROKER_DURABILITY: 'memory', ...brokerEnv }, 'broker listening');
  const admin = (path: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(url + path, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${ALL_IN_ONE_TOKEN}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  return {
    url,
    mqttPort: (broker.ready.ports as { mqtt: number }).mqtt,
    token: ALL_IN_ONE_TOKEN,
    child: verifier.child,
    broker: broker.child,
    dataDir,
    admin,
    output: () => output,
    stopBroker: () => stop(broker.child),
  };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function parse(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
