/** A reconnect storm: every JWT device at once right after a restart, with every cache cold. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchDevice, type BenchCredentials } from './client.js';
import { oneConnect } from './connect-rate.js';
import { startTarget } from './targets.js';

/** Sockets in flight at once: well inside the fd limit, enough to keep the broker busy. */
const IN_FLIGHT = 400;

export interface StormResult {
  seconds: number;
  /** Devices that did not get CONNACK 0 (a correct run has none). */
  failures: number;
}

export async function reconnectStorm(authorizer: 'inprocess' | 'http', devices: number): Promise<StormResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'arra-bench-storm-'));
  try {
    const provisioning = await startTarget('ours-verifier', { dataDir, authorizer: 'inprocess', devices });
    await provisioning.stop();
    const { tokens } = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as BenchCredentials;
    const broker = await startTarget('ours-verifier', { dataDir, authorizer, devices });
    try {
      let next = 0;
      let failures = 0;
      const started = performance.now();
      const worker = async () => {
        for (let i = next++; i < tokens.length; i = next++) {
          const id = benchDevice(i);
          const ok = await oneConnect(broker.port, undefined, { clientId: id, username: id, password: tokens[i]! }).catch(() => false);
          if (!ok) failures++;
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
      return { seconds: (performance.now() - started) / 1000, failures };
    } finally {
      await broker.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
