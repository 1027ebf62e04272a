/**
 * Memory per idle connection: the broker process's RSS (from /proc) before and after `count`
 * connected, authenticated, silent clients, divided by `count`.
 *
 * "After" means idle: V8 grows its young generation while the connections pour in and gives it
 * back only at a collection once allocation has been low for about 5 s (its allocation-throughput
 * window). Read 2 s after the last connect, that empty young generation was ~2.4 KB of RSS per
 * connection of our broker at 8000 connections, more than all its per-connection objects; so
 * both readings are taken after `QUIET_MS` without traffic and full collections (`settle`).
 *
 * @module scripts/bench/idle-memory
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { rawClient, type RawClient } from './client.js';

export interface IdleMemoryResult {
  connections: number;
  rssBeforeKb: number;
  rssAfterKb: number;
  bytesPerConnection: number;
}

const QUIET_MS = 6000;

/**
 * Quiet, then two full collections a second apart: the first may shrink the young generation, the
 * second finds its pages returned. Before and after are read in the same state.
 */
async function settle(collectGarbage: (() => Promise<void>) | undefined): Promise<void> {
  await sleep(QUIET_MS);
  await collectGarbage?.();
  await sleep(1000);
  await collectGarbage?.();
}

export function rssKb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}

export async function idleMemory(
  port: number,
  pid: number,
  options: { count: number; batch?: number; collectGarbage?: () => Promise<void> },
): Promise<IdleMemoryResult> {
  await settle(options.collectGarbage);
  const rssBeforeKb = rssKb(pid);
  const clients: RawClient[] = [];
  const batch = options.batch ?? 50;
  try {
    for (let i = 0; i < options.count; i += batch) {
      const n = Math.min(batch, options.count - i);
      clients.push(...(await Promise.all(Array.from({ length: n }, (_, j) => rawClient(port, `bench-idle-${i + j}`, 600)))));
    }
    await settle(options.collectGarbage);
    const rssAfterKb = rssKb(pid);
    return {
      connections: clients.length,
      rssBeforeKb,
      rssAfterKb,
      bytesPerConnection: ((rssAfterKb - rssBeforeKb) * 1024) / clients.length,
    };
  } finally {
    clients.forEach((c) => c.close());
  }
}
