/**
 * Memory per idle connection: the broker process's RSS (from /proc) with no clients, with half of
 * `count` connected, authenticated, silent clients, and with all of them.
 *
 * The figure per connection is the slope over the second half: what one more connection costs. The
 * average over all of them (from zero) is returned too; it also holds what the first burst of
 * connections grows once and keeps (V8's young generation, up to twice the semi-space size, ~8 MB
 * with our shipped flag: ~1 KB per connection at 8000, a tenth of that at 80,000).
 *
 * "After" means idle: V8 grows its young generation while the connections pour in and gives it
 * back only at a collection once allocation has been low for about 5 s (its allocation-throughput
 * window). Read 2 s after the last connect, that empty young generation was ~2.4 KB of RSS per
 * connection of our broker at 8000 connections, more than all its per-connection objects; so
 * every reading is taken after `QUIET_MS` without traffic and full collections (`settle`).
 *
 * @module scripts/bench/idle-memory
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { rawClient, type RawClient } from './client.js';

export interface IdleMemoryResult {
  connections: number;
  rssBeforeKb: number;
  rssHalfKb: number;
  rssAfterKb: number;
  /**
   * RSS added per connection from half of the connections to all of them; null when RSS fell in
   * between: the runtime returned memory it had grown before, and the difference measures that.
   */
  bytesPerConnection: number | null;
  /** RSS added per connection from none to all. */
  averageBytesPerConnection: number;
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
  const clients: RawClient[] = [];
  const batch = options.batch ?? 50;
  const connectUpTo = async (total: number) => {
    while (clients.length < total) {
      const n = Math.min(batch, total - clients.length);
      const first = clients.length;
      clients.push(...(await Promise.all(Array.from({ length: n }, (_, j) => rawClient(port, `bench-idle-${first + j}`, 600)))));
    }
    await settle(options.collectGarbage);
    return rssKb(pid);
  };
  try {
    await settle(options.collectGarbage);
    const rssBeforeKb = rssKb(pid);
    const half = Math.floor(options.count / 2);
    const rssHalfKb = await connectUpTo(half);
    const rssAfterKb = await connectUpTo(options.count);
    return {
      connections: clients.length,
      rssBeforeKb,
      rssHalfKb,
      rssAfterKb,
      bytesPerConnection: rssAfterKb >= rssHalfKb ? ((rssAfterKb - rssHalfKb) * 1024) / (options.count - half) : null,
      averageBytesPerConnection: ((rssAfterKb - rssBeforeKb) * 1024) / options.count,
    };
  } finally {
    clients.forEach((c) => c.close());
  }
}
