/**
 * RSS per idle connection: the slope from half of `count` silent clients to all of them (the average
 * from zero also holds the young generation the first burst grows). V8 returns that young generation
 * only after ~5 s of low allocation, so every reading waits `QUIET_MS` and collects (`settle`).
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { rawClient, type RawClient } from './client.js';

export interface IdleMemoryResult {
  connections: number;
  rssBeforeKb: number;
  rssHalfKb: number;
  rssAfterKb: number;
  /** Null when RSS fell in between: the runtime returned memory grown before. */
  bytesPerConnection: number | null;
  averageBytesPerConnection: number;
}

const QUIET_MS = 6000;

/** Two full collections a second apart: the first may shrink the young generation, the second sees it returned. */
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
