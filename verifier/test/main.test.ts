import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { request } from 'undici';

function runMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'verifier/main.ts'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { child, exited, stderr: () => stderr };
}

test('the process serves until SIGTERM, then closes gracefully and exits 0', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'arra-main-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const run = runMain({ ARRA_DATA_DIR: dataDir, ARRA_HTTP_PORT: '0' });
  t.after(() => run.child.kill('SIGKILL'));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: run.child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'verifier listening' && entry.url) resolve(entry.url);
    });
    void run.exited.then((code) => reject(new Error(`exited ${code}: ${run.stderr()}`)));
  });
  const health = await request(`${url}/healthz`);
  assert.equal(health.statusCode, 200);
  await health.body.dump();
  assert.match(run.stderr(), /generated the admin token/);
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0);
});

test('an invalid environment exits 2 and lists every bad variable on stderr', async () => {
  const run = runMain({ ARRA_HTTP_PORT: 'eighty', ARRA_ACL_NO_MATCH: 'maybe' });
  assert.equal(await run.exited, 2);
  assert.match(run.stderr(), /ARRA_HTTP_PORT/);
  assert.match(run.stderr(), /ARRA_ACL_NO_MATCH/);
});
