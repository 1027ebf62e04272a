/**
 * `npm start` as a user runs it: one process, first start creates the data directory, keys and the
 * admin token and says what to do next; Ctrl-C stops verifier and broker cleanly.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import mqtt from 'mqtt';

function startProcess(dataDir: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'runtime/start.ts'], {
    env: { ...process.env, ARRA_DATA_DIR: dataDir, ARRA_HTTP_PORT: '0', ARRA_MQTT_PORT: '0', ARRA_LOG_LEVEL: 'warn', ARRA_ADMIN_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ready = new Promise<{ url: string; mqttPort: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start-up notice within 30 s:\n${stderr}`)), 30_000);
    child.stderr.on('data', () => {
      const m = /verifier (http:\/\/\S+), MQTT on port (\d+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!.replace(/,$/, ''), mqttPort: Number(m[2]) });
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${stderr}`)));
  });
  return { child, ready, stderr: () => stderr };
}

test('first start creates the admin token (0600), serves HTTP and MQTT, and Ctrl-C stops both cleanly', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'arra-start-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const dataDir = join(dir, 'data');
  const proc = startProcess(dataDir);
  t.after(() => proc.child.kill('SIGKILL'));
  const { url, mqttPort } = await proc.ready;

  assert.equal(statSync(join(dataDir, 'admin-token')).mode & 0o777, 0o600);
  assert.match(proc.stderr(), /generated the admin token/);
  assert.match(proc.stderr(), /npx arra-mq device add/);
  const health = await fetch(`${url}/healthz`);
  assert.equal(health.status, 200);
  const jwks = (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as { keys: unknown[] };
  assert.ok(jwks.keys.length >= 1, 'a signing key was generated on first start');

  // An unknown client is refused by the bundled broker through the in-process verifier.
  const refused = await new Promise<number | undefined>((resolve) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, { clientId: 'nobody', username: 'nobody', password: 'nothing-here', reconnectPeriod: 0 });
    client.on('error', (err) => {
      client.end(true);
      resolve((err as Error & { code?: number }).code);
    });
    client.on('connect', () => {
      client.end(true);
      resolve(0);
    });
  });
  assert.ok(refused === 4 || refused === 5, `CONNACK refusal, got ${refused}`);

  const exited = new Promise<number | null>((resolve) => proc.child.once('exit', (code) => resolve(code)));
  proc.child.kill('SIGINT');
  assert.equal(await exited, 0);
});

test('a second start reuses the data directory and does not print the token again', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'arra-start-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const dataDir = join(dir, 'data');
  for (const run of [1, 2]) {
    const proc = startProcess(dataDir);
    t.after(() => proc.child.kill('SIGKILL'));
    await proc.ready;
    if (run === 2) assert.doesNotMatch(proc.stderr(), /generated the admin token/);
    const exited = new Promise<number | null>((resolve) => proc.child.once('exit', (code) => resolve(code)));
    proc.child.kill('SIGTERM');
    assert.equal(await exited, 0);
  }
});
