/**
 * Memory per idle connection: the broker process's RSS (from /proc) before and after `count`
 * connected, authenticated, silent clients, divided by `count`.
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
  await sleep(1000);
  await options.collectGarbage?.();
  const rssBeforeKb = rssKb(pid);
  const clients: RawClient[] = [];
  const batch = options.batch ?? 50;
  try {
    for (let i = 0; i < options.count; i += batch) {
      const n = Math.min(batch, options.count - i);
      clients.push(...(await Promise.all(Array.from({ length: n }, (_, j) => rawClient(port, `bench-idle-${i + j}`, 600)))));
    }
    await sleep(2000);
    await options.collectGarbage?.();
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
