/**
 * The brokers under test, each its own process pinned to CPU 0. Node targets are compiled first and run
 * by plain Node: a TypeScript loader would add a thread, with its own collections, on the broker's core.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compiledServer } from './build.js';
import { BENCH_PASSWORD, BENCH_USER, PASSWORD_DEVICES } from './client.js';

/** `ours` runs the shipped Node flags, `ours-node-defaults` shows what they buy, `net` is the bare socket floor. */
export type TargetName = 'ours' | 'mosquitto' | 'mosquitto-persistent' | 'aedes' | 'net' | 'ours-node-defaults' | 'ours-verifier';

type NodeTargetName = Exclude<TargetName, 'mosquitto' | 'mosquitto-persistent'>;

/** The `--` options of `npm start` (package.json); the LXC unit carries the same (`targets.test.ts`). */
export function shippedNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.split(/\s+/);
  return words.slice(words.indexOf('node') + 1).filter((word) => word.startsWith('--'));
}

/** The verifier alone runs as its LXC unit starts it, on Node's defaults (`targets.test.ts`). */
export const VERIFIER_ALONE_FLAGS: readonly string[] = [];

const NODE_TARGETS: Record<NodeTargetName, { script: string; flags: string[] }> = {
  ours: { script: 'server-ours', flags: shippedNodeFlags() },
  'ours-node-defaults': { script: 'server-ours', flags: [] },
  aedes: { script: 'server-aedes', flags: [] },
  net: { script: 'server-net', flags: [] },
  'ours-verifier': { script: 'server-ours-verifier', flags: shippedNodeFlags() },
};

/**
 * How `ours-verifier` runs: its data directory (kept between starts: a restart), the broker with the
 * verifier in-process or the verifier alone (`port` is then its HTTP port), devices to provision.
 */
export interface VerifierTargetOptions {
  dataDir: string;
  mode: 'inprocess' | 'verifier';
  devices: number;
}

export interface Target {
  name: TargetName;
  port: number;
  pid: number;
  /** `ours-verifier`: its data directory, with `credentials.json` (the provisioned tokens). */
  dataDir?: string;
  /** Asks a Node broker for a full garbage collection before RSS is read (a no-op for Mosquitto). */
  collectGarbage(): Promise<void>;
  stop(): Promise<void>;
}

export const MOSQUITTO = '/usr/sbin/mosquitto';
export const canPin = existsSync('/usr/bin/taskset') && availableParallelism() >= 2;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export function pinSelf(): void {
  if (canPin) execFileSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });
}

function spawnPinned(command: string, args: string[]): ChildProcess {
  return canPin
    ? spawn('taskset', ['-c', '0', command, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
}

/** Resolves once the process prints `ready` (or, for Mosquitto, once its port accepts). */
function waitReady(child: ChildProcess, port: number, viaStdout: boolean, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker on ${port} not ready in ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code) => reject(new Error(`broker exited with ${code} before it was ready`)));
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    if (viaStdout) {
      child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && done());
      return;
    }
    const probe = () => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        done();
      });
      socket.once('error', () => setTimeout(probe, 50));
    };
    probe();
  });
}

function stopper(child: ChildProcess, cleanup: () => void = () => {}): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(timer);
        cleanup();
        resolve();
      });
      child.kill('SIGTERM');
    });
}

function nodeTarget(name: TargetName, port: number, child: ChildProcess, cleanup?: () => void): Target {
  return {
    name,
    port,
    pid: child.pid!,
    collectGarbage: async () => {
      child.kill('SIGUSR2');
      await new Promise((resolve) => setTimeout(resolve, 500));
    },
    stop: stopper(child, cleanup),
  };
}

async function startNodeTarget(name: NodeTargetName, verifier?: VerifierTargetOptions): Promise<Target> {
  const port = await freePort();
  const ownDir = name === 'ours-verifier' && !verifier ? mkdtempSync(join(tmpdir(), 'arra-bench-ours-')) : undefined;
  const v = verifier ?? (ownDir ? { dataDir: ownDir, mode: 'inprocess', devices: PASSWORD_DEVICES } : undefined);
  const { script: serverModule } = NODE_TARGETS[name];
  const flags = v?.mode === 'verifier' ? VERIFIER_ALONE_FLAGS : NODE_TARGETS[name].flags;
  const args = v ? [v.dataDir, v.mode, String(v.devices)] : [];
  const child = spawnPinned(process.execPath, [...flags, '--expose-gc', compiledServer(serverModule), String(port), ...args]);
  // Provisioning thousands of devices (a token each) takes a while on a first start.
  await waitReady(child, port, true, v ? 120_000 : 15_000);
  const target = nodeTarget(name, port, child, ownDir ? () => rmSync(ownDir, { recursive: true, force: true }) : undefined);
  return v ? { ...target, dataDir: v.dataDir } : target;
}


/** Our broker alone (`server-ours-broker.ts`, pinned like every broker), asking the verifier at `verifierUrl` over HTTP. */
export async function startOursBroker(dataDir: string, verifierUrl: string): Promise<Target> {
  const port = await freePort();
  const child = spawnPinned(process.execPath, [...shippedNodeFlags(), '--expose-gc', compiledServer('server-ours-broker'), String(port), dataDir, verifierUrl]);
  await waitReady(child, port, true);
  return nodeTarget('ours', port, child);
}

/** `persistent`: Mosquitto's default `autosave_interval` (1800 s), so a crash loses what came since the last save. */
function storeDir(dir: string): string {
  const store = join(dir, 'store');
  mkdirSync(store, { mode: 0o777 });
  chmodSync(store, 0o777);
  return store;
}

async function startMosquitto(persistent: boolean): Promise<Target> {
  if (!existsSync(MOSQUITTO)) throw new Error(`${MOSQUITTO} is missing: apt-get install mosquitto`);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'arra-bench-mosq-'));
  // Started as root, Mosquitto drops to user `mosquitto`, which must still read its throwaway files.
  chmodSync(dir, 0o755);
  const passwd = join(dir, 'passwd');
  execFileSync('mosquitto_passwd', ['-b', '-c', passwd, BENCH_USER, BENCH_PASSWORD], { stdio: 'ignore' });
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, [
    `listener ${port} 127.0.0.1`,
    // Anonymous clients for the anonymous connect rows; a client giving a username is checked.
    'allow_anonymous true',
    `password_file ${passwd}`,
    'set_tcp_nodelay true',
    ...(persistent ? ['persistence true', `persistence_location ${storeDir(dir)}/`] : ['persistence false']),
    'sys_interval 0',
    'log_dest none',
    '',
  ].join('\n'));
  const child = spawnPinned(MOSQUITTO, ['-c', conf]);
  await waitReady(child, port, false);
  return {
    name: persistent ? 'mosquitto-persistent' : 'mosquitto',
    port,
    pid: child.pid!,
    collectGarbage: async () => {},
    stop: stopper(child, () => rmSync(dir, { recursive: true, force: true })),
  };
}

export function startTarget(name: TargetName, verifier?: VerifierTargetOptions): Promise<Target> {
  if (name === 'mosquitto' || name === 'mosquitto-persistent') return startMosquitto(name === 'mosquitto-persistent');
  return startNodeTarget(name, verifier);
}
