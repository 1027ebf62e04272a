/**
 * CONNECT/CONNACK per second: `concurrency` loops each open a socket (from the source address the
 * loop is given, so a run can come from one address or from many 127.0.0.x), send a CONNECT with
 * the loop's credentials, wait for a successful CONNACK, send DISCONNECT and let the broker close
 * first (so the generator's ephemeral ports are not left in TIME_WAIT). Each loop connects once
 * before the clock starts (a reconnect is measured, not a first login). Then the loops run, uncounted,
 * for a warm-up (a fresh Node process compiles its connect path meanwhile), so the clock measures a
 * steady state, as the latency rows do; what the warm-up cost is reported apart. The broker's CPU
 * time over each phase, read from /proc, is reported per accepted connection.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { CONNACK } from './client.js';
import { DISCONNECT, connectFrame } from './frames.js';
import { FrameScanner } from './scanner.js';

const WARMUP_LIMIT_MS = 60_000;

export interface ConnectCredentials {
  clientId: string;
  username?: string;
  password?: string;
}

export interface ConnectRateOptions {
  concurrency: number;
  durationMs: number;
  maxTotal: number;
  /** The CONNECT of loop `w`'s `n`th attempt. */
  credentials(w: number, n: number): ConnectCredentials;
  /** The local address loop `w` connects from (undefined: the kernel picks, 127.0.0.1). */
  sourceAddress?(w: number): string | undefined;
  /** The broker process, whose CPU time is read from /proc/<pid>/stat. */
  pid?: number;
  /** The warm-up phase, bounded in time and count like the measured one (none when absent). */
  warmup?: { durationMs: number; maxTotal: number };
}

export interface PhaseResult {
  connects: number;
  failures: number;
  elapsedMs: number;
  perSec: number;
  p50Ms: number;
  /** Broker CPU (user + system) per accepted connection, µs; NaN off Linux or without a pid. */
  cpuUsPerConnect: number;
}

export interface ConnectRateResult extends PhaseResult {
  /** The warm-up phase: the connects of a process that is still compiling (undefined without one). */
  warmup?: PhaseResult;
}

/** A process's CPU time so far (ms) from /proc (fields 14 and 15, in clock ticks of 10 ms); NaN off Linux. */
export function processCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

function open(port: number, localAddress: string | undefined): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ port, host: '127.0.0.1', noDelay: true, ...(localAddress ? { localAddress } : {}) }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** One connect→CONNACK→DISCONNECT; true when the CONNACK accepted. */
export async function oneConnect(port: number, localAddress: string | undefined, c: ConnectCredentials): Promise<boolean> {
  const socket = await open(port, localAddress);
  socket.on('error', () => {});
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(false), 10_000);
    let accepted = false;
    function finish(ok: boolean) {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    }
    const scanner = new FrameScanner((type, frame) => {
      if (type !== CONNACK) return;
      accepted = frame[3] === 0;
      socket.write(DISCONNECT);
      socket.end();
    });
    socket.on('data', (chunk) => scanner.push(chunk));
    socket.on('close', () => finish(accepted));
    socket.write(connectFrame(c.clientId, c.username, c.password));
  });
}

/**
 * The loops connecting again and again until `durationMs` or `maxTotal`, measured together. `attempts`
 * counts each loop's attempts across phases, so no attempt repeats an earlier one's client id.
 */
async function phase(port: number, options: ConnectRateOptions, attempts: number[], durationMs: number, maxTotal: number): Promise<PhaseResult> {
  let connects = 0;
  let failures = 0;
  let issued = 0;
  const latencies: number[] = [];
  const cpuBefore = options.pid === undefined ? NaN : processCpuMs(options.pid);
  const start = performance.now();
  const worker = async (w: number) => {
    const localAddress = options.sourceAddress?.(w);
    while (performance.now() - start < durationMs && issued < maxTotal) {
      issued += 1;
      const n = (attempts[w] = attempts[w]! + 1);
      const t0 = performance.now();
      const ok = await oneConnect(port, localAddress, options.credentials(w, n)).catch(() => false);
      if (ok) {
        connects += 1;
        latencies.push(performance.now() - t0);
      } else failures += 1;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, w) => worker(w)));
  const elapsedMs = performance.now() - start;
  const cpuMs = options.pid === undefined ? NaN : processCpuMs(options.pid) - cpuBefore;
  latencies.sort((a, b) => a - b);
  return {
    connects,
    failures,
    elapsedMs,
    perSec: (connects / elapsedMs) * 1000,
    p50Ms: latencies[Math.floor(latencies.length / 2)] ?? NaN,
    cpuUsPerConnect: connects ? (cpuMs * 1000) / connects : NaN,
  };
}

export async function connectRate(port: number, options: ConnectRateOptions): Promise<ConnectRateResult> {
  // One successful connect per loop first, not counted: a reconnect is what is measured, not a first
  // login (which may be refused "server unavailable" while a hundred first scrypts queue: retried).
  const warmupEnds = performance.now() + WARMUP_LIMIT_MS;
  await Promise.all(
    Array.from({ length: options.concurrency }, async (_, w) => {
      while (performance.now() < warmupEnds && !(await oneConnect(port, options.sourceAddress?.(w), options.credentials(w, 0)).catch(() => false)));
    }),
  );
  const attempts = Array.from({ length: options.concurrency }, () => 0);
  const warmup = options.warmup ? await phase(port, options, attempts, options.warmup.durationMs, options.warmup.maxTotal) : undefined;
  return { ...(await phase(port, options, attempts, options.durationMs, options.maxTotal)), ...(warmup ? { warmup } : {}) };
}
