/**
 * Host-side helpers for the LXC tests: run a command with a time limit, find free TCP ports, and tell
 * which process (and which container) listens on a port.
 *
 * @module lxc/test/host
 */
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

/**
 * This process's environment without any `ARRA_*` variable, so settings of the machine running the
 * tests (a CI's ARRA_BIND, ARRA_CTID, ...) cannot leak into the scripts under test.
 */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ARRA_')));
}

/** Runs a command to completion; never throws for a non-zero exit (the caller asserts on `code`). */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { env: opts.env ?? process.env, cwd: opts.cwd, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) + (err && !stderr ? String(err.message) : '') });
      },
    );
  });
}

/** Like {@link run}, but a non-zero exit is an error whose message carries the command's output. */
export async function runOk(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const result = await run(cmd, args, opts);
  if (result.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
  }
  return result.stdout;
}

/** A port no one on this host listens on right now (the kernel's pick, then checked with `ss`). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (port !== 0 && (await listenerPid(port)) === undefined) return port;
  }
}

/** The pid of the process listening on a TCP port of this host (any address), if any. */
export async function listenerPid(port: number): Promise<number | undefined> {
  const out = await runOk('ss', ['-Hltnp', `sport = :${port}`]);
  if (out.trim() === '') return undefined;
  const pid = /pid=(\d+)/.exec(out);
  // A listener without a visible pid still occupies the port: report it as pid 0 rather than free.
  return pid ? Number(pid[1]) : 0;
}

/** The cgroup paths of a host process: a container's processes live under `lxc.payload.<name>`. */
export function cgroupOf(pid: number): string {
  return readFileSync(`/proc/${pid}/cgroup`, 'utf8');
}

/**
 * The fields of a host process's /proc/PID/status (`Uid`, `NoNewPrivs`, `Seccomp`, `CapBnd`, ...):
 * what the kernel enforces on it, so a unit's sandbox can be checked from outside its container.
 */
export function procStatus(pid: number): Map<string, string> {
  const fields = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .map((line) => /^([^:]+):\s*(.*)$/.exec(line))
    .filter((m) => m !== null)
    .map((m) => [m[1]!, m[2]!] as const);
  return new Map(fields);
}

/**
 * The options of the mount a host process sees at a mount point (relative to its root, so a
 * container's `/` is its rootfs); the top one when several are stacked there.
 */
export function mountOptionsOf(pid: number, mountPoint: string): string[] | undefined {
  const line = readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
    .split('\n')
    .filter((l) => l.split(' ')[4] === mountPoint)
    .at(-1);
  return line?.split(' ')[5]?.split(',');
}

/** Why LXC tests cannot run on this host, or undefined when they can. */
export async function lxcUnavailableReason(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'needs root (creates an LXC container); run as root, e.g. in CI';
  const tools = ['lxc-start', 'lxc-attach', 'lxc-destroy', 'lxc-usernsexec', 'newuidmap', 'debootstrap', 'zstd', 'mosquitto_pub', 'mosquitto_sub', 'ss', 'ip', 'unshare', 'curl'];
  for (const tool of tools) {
    if ((await run('sh', ['-c', `command -v ${tool}`])).code !== 0) {
      return `${tool} is not installed (apt-get install lxc uidmap debootstrap zstd mosquitto-clients iproute2 util-linux curl)`;
    }
  }
  return undefined;
}

/** A folder holding `names` as symlinks to `script`, which dispatches on the name it is called by. */
export function linkTool(dir: string, script: string, names: readonly string[]): string {
  mkdirSync(dir, { recursive: true });
  for (const name of names) symlinkSync(script, join(dir, name));
  return dir;
}

const STANDARD_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
const NODE_TOOLS = new Set(['node', 'nodejs', 'npm', 'npx', 'corepack']);

/**
 * A folder of links to every command of the standard PATH except Node's, for "a host without Node"
 * (a Proxmox host has none): with PATH set to it alone, `command -v node` fails.
 */
export function nodelessBin(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const seen = new Set<string>();
  for (const folder of STANDARD_PATH) {
    // On a merged-/usr system /bin is a link to /usr/bin: read each real folder once.
    if (!existsSync(folder) || lstatSync(folder).isSymbolicLink()) continue;
    for (const name of readdirSync(folder)) {
      if (NODE_TOOLS.has(name) || seen.has(name)) continue;
      seen.add(name);
      symlinkSync(join(folder, name), join(dir, name));
    }
  }
  return dir;
}
