/**
 * Real brokers for the live interop suite: NanoMQ and Mosquitto + mosquitto-go-auth as child processes
 * on 127.0.0.1, configured from the shipped snippets (`broker-adapters/*\/*.conf`). The snippet text is
 * changed only where an operator would change it: the verifier's host and port, the webhook secret
 * (`CHANGE-ME`) and the plugin path; the test adds only what is not the snippet's business (a listener
 * on a free loopback port, logging, NanoMQ's REST listener kept on loopback). So a snippet that needs
 * more than that to work fails the test.
 *
 * `startNanomq` / `startMosquitto` take a complete configuration, so other suites (the LXC deployment's
 * `--with-nanomq` / `--with-mosquitto` output) can start the same brokers from their own files.
 *
 * @module broker-adapters/test/live/brokers
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { REPO_ROOT } from './interop.js';

/** The shipped snippets, by the path an operator copies them from. */
export const SNIPPETS = {
  nanomq: 'broker-adapters/nanomq/nanomq.conf',
  goAuth: 'broker-adapters/mosquitto-go-auth/go-auth.conf',
  goAuthJwt: 'broker-adapters/mosquitto-go-auth/go-auth-jwt.conf',
} as const;

export function readSnippet(path: string): string {
  return readFileSync(join(REPO_ROOT, path), 'utf8');
}

export interface VerifierAddress {
  host: string;
  port: number;
  /** The webhook secret for `CHANGE-ME`. */
  secret: string;
}

/** The snippet as an operator fills it in: the verifier's address and the secret, nothing else. */
export function fillSnippet(snippet: string, verifier: VerifierAddress): string {
  return snippet
    .replaceAll('http://127.0.0.1:8080/', `http://${verifier.host}:${verifier.port}/`)
    .replace(/^(auth_opt_\w+_host) 127\.0\.0\.1$/gm, `$1 ${verifier.host}`)
    .replace(/^(auth_opt_\w+_port) 8080$/gm, `$1 ${verifier.port}`)
    .replaceAll('CHANGE-ME', verifier.secret);
}

/** A whole nanomq.conf: the filled snippet, a TCP listener, warn-level console log, REST API on loopback. */
export function nanomqConfig(snippet: string, verifier: VerifierAddress, ports: { mqtt: number; http: number }): string {
  return [
    fillSnippet(snippet, verifier),
    `listeners.tcp { bind = "127.0.0.1:${ports.mqtt}" }`,
    'log { to = [console], level = warn }',
    // NanoMQ opens its REST API on 0.0.0.0:8081 unless told otherwise.
    `http_server { port = ${ports.http}, ip_addr = "127.0.0.1", username = "admin", password = "public" }`,
    '',
  ].join('\n');
}

/** A whole mosquitto.conf: a loopback listener, the filled snippet with the plugin's real path. */
export function mosquittoConfig(snippet: string, verifier: VerifierAddress, mqttPort: number, pluginPath: string): string {
  const filled = fillSnippet(snippet, verifier).replace(/^auth_plugin \S+$/m, `auth_plugin ${pluginPath}`);
  return [`listener ${mqttPort} 127.0.0.1`, 'persistence false', 'log_dest stdout', 'log_type all', filled, ''].join('\n');
}

export interface RunningBroker {
  port: number;
  pid: number;
  /** Everything the broker wrote to stdout and stderr so far. */
  log(): string;
  /** Still running (no exit, no crash)? */
  alive(): boolean;
  /** Exit code or signal, once it ended. */
  exit(): string | null;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** The whole configuration file's text. */
  conf: string;
  /** The MQTT port the configuration listens on (127.0.0.1). */
  port: number;
  /** Milliseconds to wait for the listener (generous: the machine may be loaded). */
  readyMs?: number;
}

export async function startNanomq(t: TestContext, binary: string, options: StartOptions): Promise<RunningBroker> {
  const dir = tempDir(t, 'arra-nanomq-');
  const conf = join(dir, 'nanomq.conf');
  writeFileSync(conf, options.conf);
  // NANOMQ_PID_FILE keeps its pid file in our temp dir instead of /tmp/nanomq.
  const child = spawn(binary, ['start', '--conf', conf], { cwd: dir, env: { ...process.env, NANOMQ_PID_FILE: join(dir, 'nanomq.pid') } });
  return supervise(t, child, options);
}

export async function startMosquitto(t: TestContext, binary: string, options: StartOptions): Promise<RunningBroker> {
  const dir = tempDir(t, 'arra-mosquitto-');
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, options.conf);
  const child = spawn(binary, ['-c', conf], { cwd: dir, env: process.env });
  return supervise(t, child, options);
}

const LOG_LIMIT = 4 * 1024 * 1024;

async function supervise(t: TestContext, child: ChildProcess, options: StartOptions): Promise<RunningBroker> {
  let output = '';
  let ended: string | null = null;
  const append = (chunk: Buffer) => {
    if (output.length < LOG_LIMIT) output += chunk.toString('utf8');
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      ended = signal ?? String(code);
      resolve();
    }),
  );
  const stop = async () => {
    if (ended === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  };
  t.after(stop);
  await waitForPort(options.port, options.readyMs ?? 30_000, () => (ended === null ? null : `exited (${ended}) before listening:\n${output}`));
  return { port: options.port, pid: child.pid ?? -1, log: () => output, alive: () => ended === null, exit: () => ended, stop };
}

/** Resolves once 127.0.0.1:port accepts a TCP connection; rejects when `failed()` names a reason or time is up. */
export async function waitForPort(port: number, ms: number, failed: () => string | null = () => null): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const reason = failed();
    if (reason !== null) throw new Error(reason);
    if (await accepts(port)) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A port that was free a moment ago (the brokers need a number in their configuration, not port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function tempDir(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
