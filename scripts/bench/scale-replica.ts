/**
 * One `scale-server.ts` process: started (pinned to CPU 0 when `taskset` exists, the generator then
 * takes CPU 1), its memory and CPU time read from /proc, stopped by closing its stdin.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, platform } from 'node:os';
import { createInterface } from 'node:readline';
import { compiledServer } from './build.js';

export interface Replica {
  verifierUrl: string;
  noopUrl: string;
  /** Store opened (for PostgreSQL: migrations and the mirror loaded) and the verifier assembled, s. */
  assembleSeconds: number;
  /** Spawn to both routes listening, s (includes loading Node and the compiled modules). */
  readySeconds: number;
  pid: number;
  stop(): Promise<void>;
}

export function canPin(): boolean {
  return platform() === 'linux' && cpus().length >= 2 && spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
}

export async function startReplica(dataDir: string, env: Record<string, string>, pin: boolean): Promise<Replica> {
  if (pin) spawnSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });
  const command = [process.execPath, compiledServer('scale-server'), dataDir];
  const started = performance.now();
  // taskset execs node in place, so the child's pid is the server's either way.
  const child = spawn(pin ? 'taskset' : command[0]!, pin ? ['-c', '0', ...command] : command.slice(1), {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`scale server exited with ${code}`)));
  });
  const ready = JSON.parse(line) as { verifierUrl: string; noopUrl: string; assembleSeconds: number };
  return {
    ...ready,
    readySeconds: (performance.now() - started) / 1000,
    pid: child.pid!,
    async stop() {
      child.stdin!.end();
      await exited;
    },
  };
}

/** VmRSS and VmHWM (the peak) of a process, MB; NaN off Linux. */
export function memoryMb(pid: number): { rss: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return { rss: NaN, peak: NaN };
  }
}
