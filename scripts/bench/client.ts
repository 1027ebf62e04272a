/**
 * Raw-socket MQTT clients for the load generator: TCP_NODELAY like every broker under test, frames
 * written as pre-built buffers, incoming bytes scanned, never parsed in full.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connectFrame } from './frames.js';
import { FrameScanner, type OnFrame } from './scanner.js';

export const BENCH_USER = 'bench';
export const BENCH_PASSWORD = 'bench-password-1';
/** Devices of the real-verifier target (`server-ours-verifier.ts`) that also hold the bench password. */
export const PASSWORD_DEVICES = 100;
/** The webhook secret between a bench broker and a bench verifier in another process. */
export const BENCH_WEBHOOK_SECRET = 'bench-webhook-secret-0123456789';
export const benchDevice = (i: number) => `bench-${String(i).padStart(5, '0')}`;
/** What `server-ours-verifier.ts` provisions: the token of device `benchDevice(i)` at index i. */
export interface BenchCredentials {
  tokens: string[];
}

export const CONNACK = 2;
export const PUBLISH = 3;
export const PUBACK = 4;
export const SUBACK = 9;

export interface RawClient {
  socket: Socket;
  /** Replaces the frame handler (after CONNACK). */
  onFrame(handler: OnFrame): void;
  /** Resolves with the next frame of this type. */
  next(type: number, timeoutMs?: number): Promise<Buffer>;
  /** Writes, resolving when the socket can take more (backpressure). */
  write(data: Buffer): Promise<void>;
  close(): void;
}

export function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ port, host: '127.0.0.1', noDelay: true }, () => resolve(socket));
    socket.once('error', reject);
  });
}

export async function rawClient(port: number, clientId: string, keepalive = 0, clean = true): Promise<RawClient> {
  const socket = await openSocket(port);
  socket.on('error', () => {});
  let handler: OnFrame | null = null;
  const waiting = new Map<number, (frame: Buffer) => void>();
  const scanner = new FrameScanner((type, frame, bodyStart) => {
    const w = waiting.get(type);
    if (w) {
      waiting.delete(type);
      w(Buffer.from(frame));
    } else handler?.(type, frame, bodyStart);
  });
  socket.on('data', (chunk) => scanner.push(chunk));
  const client: RawClient = {
    socket,
    onFrame: (h) => (handler = h),
    next: (type, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const onClose = () => {
          clearTimeout(timer);
          reject(new Error('closed'));
        };
        const timer = setTimeout(() => {
          socket.off('close', onClose);
          reject(new Error(`no packet type ${type} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(type, (frame) => {
          clearTimeout(timer);
          socket.off('close', onClose);
          resolve(frame);
        });
        socket.once('close', onClose);
      }),
    write: (data) =>
      new Promise((resolve) => {
        if (socket.write(data)) resolve();
        else socket.once('drain', resolve);
      }),
    close: () => socket.destroy(),
  };
  const connack = client.next(CONNACK);
  socket.write(connectFrame(clientId, BENCH_USER, BENCH_PASSWORD, keepalive, clean));
  const frame = await connack;
  if (frame[3] !== 0) throw new Error(`CONNACK return code ${frame[3]} for ${clientId}`);
  return client;
}
