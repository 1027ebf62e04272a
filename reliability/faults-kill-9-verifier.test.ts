/**
 * kill -9 of the verifier process (the real `runtime/verifier.ts`) in the middle of a bulk import over
 * HTTP and in the middle of key rotations. After a restart on the same data directory: the database
 * passes SQLite's integrity check, the import is all there or not there at all (and all there if it
 * was acknowledged), and every token issued before the kill still verifies, so no key that signed a
 * live token was lost.
 *
 * @module reliability/faults-kill-9-verifier
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { DATABASE_FILE } from '../verifier/store/index.js';
import { http, postJson, recordResult, scale, tempDir } from './harness.js';
import { startVerifierProcess, type VerifierProcess } from '../verifier/test/process.js';
import { ADMIN_HEADERS, BROKER_HEADERS } from '../verifier/test/test-verifier.js';

const IMPORT_SIZE = scale(30_000, 100_000);

async function kill9(verifier: VerifierProcess): Promise<void> {
  await verifier.kill('SIGKILL');
  assert.equal(verifier.child.signalCode, 'SIGKILL');
}

function inspect(dataDir: string, prefix: string): { devices: number; integrity: string } {
  const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true, fileMustExist: true });
  try {
    const devices = db.prepare('SELECT COUNT(*) FROM devices WHERE id LIKE ?').pluck().get(`${prefix}%`) as number;
    return { devices, integrity: db.pragma('integrity_check', { simple: true }) as string };
  } finally {
    db.close();
  }
}

test('kill -9 during a bulk import over HTTP leaves all of it or none of it, and the restarted verifier takes writes', { timeout: scale(180_000, 900_000) }, async (t) => {
  const runs: Array<Record<string, unknown>> = [];
  // Kill points: early (body still arriving), mid-way, late, and right after the acknowledgement.
  for (const delayMs of [30, 150, 400, 'after-ack'] as const) {
    const dataDir = join(tempDir(t), 'data');
    const first = await startVerifierProcess(t, { ARRA_DATA_DIR: dataDir });
    const prefix = `imp${delayMs}-`;
    const body = JSON.stringify({ devices: Array.from({ length: IMPORT_SIZE }, (_, i) => ({ id: `${prefix}${i}`, groups: ['bulk'] })) });
    let acknowledged = false;
    const pending = http(first.url, 'POST', '/v1/admin/import', { headers: { ...ADMIN_HEADERS, 'content-type': 'application/json' }, body, timeoutMs: 60_000 }).then(
      (answer) => (acknowledged = answer.status === 201),
      () => undefined,
    );
    if (delayMs === 'after-ack') await pending;
    else await sleep(delayMs);
    await kill9(first);
    await pending;
    const second = await startVerifierProcess(t, { ARRA_DATA_DIR: dataDir });
    const { devices, integrity } = inspect(dataDir, prefix);
    const health = await http(second.url, 'GET', '/healthz');
    const after = await postJson(second.url, '/v1/admin/import', { devices: [{ id: `${prefix}after` }] }, ADMIN_HEADERS);
    runs.push({ delayMs, acknowledged, devices, integrity, healthz: health.status, importAfterRestart: after.status });
    assert.equal(integrity, 'ok');
    assert.ok(devices === 0 || devices === IMPORT_SIZE, `found ${devices} of ${IMPORT_SIZE}`);
    if (acknowledged) assert.equal(devices, IMPORT_SIZE, 'an acknowledged import survives kill -9');
    assert.equal(health.status, 200);
    assert.equal(after.status, 201);
    await kill9(second);
  }
  recordResult('faults-kill-9-import', { importSize: IMPORT_SIZE, runs });
  assert.equal(runs.at(-1)?.acknowledged, true, 'the last run was acknowledged before the kill');
});

test('kill -9 during key rotations loses no key that signed a live token', { timeout: scale(120_000, 900_000) }, async (t) => {
  const runs: Array<Record<string, unknown>> = [];
  for (const delayMs of [200, 700]) {
    const dataDir = join(tempDir(t), 'data');
    const first = await startVerifierProcess(t, { ARRA_DATA_DIR: dataDir });
    assert.equal((await postJson(first.url, '/v1/admin/devices', { id: 'rot-dev' }, ADMIN_HEADERS)).status, 201);
    const tokens: string[] = [];
    let rotations = 0;
    let stop = false;
    // Rotate and issue as fast as the verifier answers until the kill lands somewhere inside.
    const churn = (async () => {
      while (!stop) {
        try {
          // Settled either way, so a kill while both are in flight is not an unhandled rejection.
          const rotated = postJson(first.url, '/v1/admin/keys/rotate', {}, ADMIN_HEADERS).catch(() => undefined);
          const issued = await postJson(first.url, '/v1/admin/devices/rot-dev/tokens', {}, ADMIN_HEADERS);
          if (issued.status === 201) tokens.push((issued.json as { token: string }).token);
          if ((await rotated)?.status === 201) rotations++;
        } catch {
          return; // the process is gone
        }
      }
    })();
    await sleep(delayMs);
    await kill9(first);
    stop = true;
    await churn;
    const second = await startVerifierProcess(t, { ARRA_DATA_DIR: dataDir });
    let verified = 0;
    const failed: unknown[] = [];
    for (const token of tokens) {
      const answer = await postJson(second.url, '/v1/authenticate', { clientId: 'rot-dev', username: 'rot-dev', password: token }, BROKER_HEADERS);
      if (answer.status === 200) verified++;
      else failed.push(answer.json);
    }
    const { integrity } = inspect(dataDir, 'rot-');
    runs.push({ delayMs, rotations, tokensIssuedBeforeKill: tokens.length, verifiedAfterRestart: verified, integrity });
    assert.equal(integrity, 'ok');
    assert.ok(tokens.length > 0, 'tokens were issued before the kill');
    assert.deepEqual(failed, [], 'every token issued before the kill verifies after the restart');
    await kill9(second);
  }
  recordResult('faults-kill-9-rotation', { runs });
});
