import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { request } from 'undici';
import { DATABASE_FILE, openStore } from '../../verifier/store/index.js';

/** A stack trace line: what an operator must never have to read to learn what is wrong. */
const STACK_LINE = /^\s+at /m;

function tempDataDir(t: { after(fn: () => void): void }): string {
  const dataDir = mkdtempSync(join(tmpdir(), 'arra-main-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  return dataDir;
}

function runMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'runtime/verifier.ts'], {
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

test('secret files obey the variables\' rules: empty, too short or readable by others exits 2 with the reason, no stack', async (t) => {
  const cases: Array<{ file: string; text: string; mode: number; env: Record<string, string>; expect: RegExp[] }> = [
    { file: 'admin-token', text: '', mode: 0o600, env: {}, expect: [/admin-token: is empty \(the same rule as ARRA_ADMIN_TOKEN\)/] },
    {
      file: 'admin-token',
      text: 'x\n',
      mode: 0o644,
      env: {},
      expect: [/admin-token: group or others may access it \(mode 644\); run: chmod 600 /, /admin-token: must be at least 16 characters/],
    },
    {
      file: 'webhook-secret',
      text: 'a-long-enough-webhook-secret\n',
      mode: 0o640,
      env: { ARRA_ADMIN_TOKEN: 'an-admin-token-from-the-environment' },
      expect: [/webhook-secret: group or others may access it \(mode 640\)/],
    },
  ];
  await Promise.all(
    cases.map(async (c) => {
      const dataDir = tempDataDir(t);
      writeFileSync(join(dataDir, c.file), c.text, { mode: c.mode });
      const run = runMain({ ARRA_DATA_DIR: dataDir, ARRA_HTTP_PORT: '0', ...c.env });
      t.after(() => run.child.kill('SIGKILL'));
      assert.equal(await run.exited, 2, run.stderr());
      for (const expected of c.expect) assert.match(run.stderr(), expected);
      assert.doesNotMatch(run.stderr(), STACK_LINE);
      assert.doesNotMatch(run.stderr(), /EEXIST/);
    }),
  );
});

test('a data dir whose registry is gone refuses to start (exit 1, the reason, no stack) and creates nothing', async (t) => {
  const dataDir = tempDataDir(t);
  (await openStore({ dataDir })).close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(join(dataDir, `${DATABASE_FILE}${suffix}`), { force: true });
  const run = runMain({ ARRA_DATA_DIR: dataDir, ARRA_HTTP_PORT: '0' });
  t.after(() => run.child.kill('SIGKILL'));
  assert.equal(await run.exited, 1, run.stderr());
  assert.match(run.stderr(), /verifier refused to start: .*registry\.sqlite is missing, but .* says a registry was created here: restore the registry/);
  assert.doesNotMatch(run.stderr(), STACK_LINE);
  assert.equal(existsSync(join(dataDir, DATABASE_FILE)), false, 'no fresh registry was created');
});
