/**
 * CONNECT/CONNACK per second with authentication on: `concurrency` loops each open a socket, send a
 * CONNECT with username and password, wait for a successful CONNACK, send DISCONNECT and let the
 * broker close first (so the generator's ephemeral ports are not left in TIME_WAIT).
 *
 * @module scripts/bench/connect-rate
 */
import { performance } from 'node:perf_hooks';
import { BENCH_PASSWORD, BENCH_USER, CONNACK, openSocket } from './client.js';
import { DISCONNECT, connectFrame } from './frames.js';
import { FrameScanner } from './scanner.js';

export interface ConnectRateResult {
  connects: number;
  failures: number;
  elapsedMs: number;
  perSec: number;
}

async function oneConnect(port: number, clientId: string): Promise<boolean> {
  const socket = await openSocket(port);
  socket.on('error', () => {});
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(false), 5000);
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
    socket.write(connectFrame(clientId, BENCH_USER, BENCH_PASSWORD));
  });
}

export async function connectRate(port: number, options: { concurrency: number; durationMs: number; maxTotal: number }): Promise<ConnectRateResult> {
  let connects = 0;
  let failures = 0;
  let issued = 0;
  const start = performance.now();
  const worker = async (w: number) => {
    while (performance.now() - start < options.durationMs && issued < options.maxTotal) {
      issued += 1;
      const ok = await oneConnect(port, `bench-c-${w}-${issued}`).catch(() => false);
      if (ok) connects += 1;
      else failures += 1;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, w) => worker(w)));
  const elapsedMs = performance.now() - start;
  return { connects, failures, elapsedMs, perSec: (connects / elapsedMs) * 1000 };
}
