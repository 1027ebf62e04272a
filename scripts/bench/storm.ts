/**
 * Reconnect storms: every JWT device at once right after a restart, 400 sockets in flight from
 * 127.0.0.1. In-process, the restart is the whole `npm start` process, so every cache is cold but
 * the verified tokens it kept at its stop: first every device connects once (the cold storm), then
 * the process restarts and they all reconnect. Over
 * HTTP the broker and the verifier run as two processes, both pinned to the broker's core, as the LXC
 * units run them: first both started fresh (each token's first verification, the cold storm), then the
 * broker alone restarted while the verifier keeps running (the broker restart: every device
 * connected before).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchDevice, type BenchCredentials } from './client.js';
import { oneConnect, processCpuMs } from './connect-rate.js';
import { startOursBroker, startTarget, type Target, type VerifierTargetOptions } from './targets.js';

/** Sockets in flight at once: well inside the fd limit, enough to keep the broker busy. */
const IN_FLIGHT = 400;

export interface StormResult {
  seconds: number;
  /** Devices that did not get CONNACK 0 (a correct run has none). */
  failures: number;
  /** CPU (user + system) of the server processes over the storm, per device, µs. */
  cpuUsPerDevice: number;
}

/** Every device connects once; the clock runs from the first CONNECT to the last CONNACK. */
async function storm(port: number, tokens: readonly string[], servers: readonly Target[]): Promise<StormResult> {
  const cpu = () => servers.reduce((sum, s) => sum + processCpuMs(s.pid), 0);
  const cpuBefore = cpu();
  let next = 0;
  let failures = 0;
  const started = performance.now();
  const worker = async () => {
    for (let i = next++; i < tokens.length; i = next++) {
      const id = benchDevice(i);
      const ok = await oneConnect(port, undefined, { clientId: id, username: id, password: tokens[i]! }).catch(() => false);
      if (!ok) failures++;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { seconds, failures, cpuUsPerDevice: ((cpu() - cpuBefore) * 1000) / tokens.length };
}

/** A data directory with `devices` provisioned (a first start, stopped), its tokens, and its removal. */
async function provisioned(mode: VerifierTargetOptions['mode'], devices: number) {
  const dataDir = mkdtempSync(join(tmpdir(), 'arra-bench-storm-'));
  const options: VerifierTargetOptions = { dataDir, mode, devices };
  await (await startTarget('ours-verifier', options)).stop();
  const { tokens } = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as BenchCredentials;
  return { options, tokens, remove: () => rmSync(dataDir, { recursive: true, force: true }) };
}

async function stopping<T>(target: Target, run: (target: Target) => Promise<T>): Promise<T> {
  try {
    return await run(target);
  } finally {
    await target.stop();
  }
}

/**
 * In-process (`npm start`): `cold`, every device's first connect after provisioning (each token's
 * first verification); `restart`, the whole process stopped and started again, every device having
 * connected before (the verifier takes over the tokens it verified, every cache else cold).
 */
export async function inProcessStorms(devices: number): Promise<StormPair> {
  const { options, tokens, remove } = await provisioned('inprocess', devices);
  try {
    const cold = await stopping(await startTarget('ours-verifier', options), (broker) => storm(broker.port, tokens, [broker]));
    const restart = await stopping(await startTarget('ours-verifier', options), (broker) => storm(broker.port, tokens, [broker]));
    return { cold, restart };
  } finally {
    remove();
  }
}

/** A first storm on fresh processes (`cold`), then the storm after a restart (`restart`, the goal). */
export interface StormPair {
  cold: StormResult;
  restart: StormResult;
}

/** Over HTTP: `cold`, broker and verifier both fresh; `restart`, the broker alone restarted after it. */
export async function httpStorms(devices: number): Promise<StormPair> {
  const { options, tokens, remove } = await provisioned('verifier', devices);
  try {
    return await stopping(await startTarget('ours-verifier', options), async (verifier) => {
      const url = `http://127.0.0.1:${verifier.port}`;
      const cold = await stopping(await startOursBroker(options.dataDir, url), (broker) => storm(broker.port, tokens, [broker, verifier]));
      const restart = await stopping(await startOursBroker(options.dataDir, url), (broker) => storm(broker.port, tokens, [broker, verifier]));
      return { cold, restart };
    });
  } finally {
    remove();
  }
}
