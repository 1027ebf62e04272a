/**
 * `runtime/broker.ts` as a real process: it logs its ports as JSON, asks the verifier over HTTP, and on
 * SIGTERM tells MQTT 5 clients it is shutting down and exits 0; a bad configuration exits 2 naming
 * the variable.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { STUB_SECRET, startStubVerifier } from '../../broker/test/authorizer-stub-verifier.js';
import { connect } from '../../broker/test/listeners-helpers.js';

const main = fileURLToPath(new URL('../broker.ts', import.meta.url));

function startMain(env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'arra-broker-main-'));
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    env: { PATH: process.env.PATH ?? '', ARRA_DATA_DIR: dataDir, ARRA_MQTT_PORT: '0', ARRA_SYS_INTERVAL: '0', ARRA_BROKER_DURABILITY: 'memory', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => {
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('exit', (code) => {
      rmSync(dataDir, { recursive: true, force: true });
      resolve({ code, stderr });
    });
  });
  const lines = createInterface({ input: child.stdout });
  const listening = new Promise<{ mqtt: number }>((resolve, reject) => {
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; ports?: { mqtt: number } };
      if (entry.msg === 'broker listening' && entry.ports) resolve(entry.ports);
    });
    void exited.then(({ stderr }) => reject(new Error(`exited before listening: ${stderr}`)));
  });
  listening.catch(() => {}); // the configuration tests expect the exit, not the listening line
  return { child, exited, listening };
}

test('the standalone broker serves clients through the verifier and shuts down gracefully on SIGTERM', async (t) => {
  const stub = await startStubVerifier(t);
  const proc = startMain({ ARRA_VERIFIER_URL: stub.url, ARRA_WEBHOOK_SECRET: STUB_SECRET });
  t.after(() => proc.child.kill('SIGKILL'));
  const ports = await proc.listening;
  const client = await connect(t, `mqtt://127.0.0.1:${ports.mqtt}`, { protocolVersion: 5, clientId: 'dev-main', username: 'u', password: 'p' });
  assert.equal(stub.requests[0]?.clientId, 'dev-main');
  const disconnect = new Promise<number | undefined>((resolve) => client.once('disconnect', (p) => resolve(p.reasonCode)));
  proc.child.kill('SIGTERM');
  assert.equal(await disconnect, 0x8b);
  assert.equal((await proc.exited).code, 0);
});

test('a bad configuration exits 2 and names the variable', async () => {
  const proc = startMain({ ARRA_MQTT_PORT: 'not-a-port', ARRA_WEBHOOK_SECRET: 'x' });
  const { code, stderr } = await proc.exited;
  assert.equal(code, 2);
  assert.match(stderr, /ARRA_MQTT_PORT/);
});

test('without a webhook secret or its file the broker refuses to start (fail closed)', async () => {
  const proc = startMain({ ARRA_DATA_DIR: '/nonexistent-arra-dir' });
  const { code, stderr } = await proc.exited;
  assert.equal(code, 2);
  assert.match(stderr, /ARRA_WEBHOOK_SECRET/);
});
