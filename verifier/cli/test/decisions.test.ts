import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { EXIT } from '../_exit-codes.js';
import { ROOT, runCli, runJson } from './run-cli.js';
import { ADMIN_TOKEN, startTestVerifier, WEBHOOK_SECRET, type TestVerifier } from '../../test/test-verifier.js';

async function refuse(verifier: TestVerifier, clientId: string): Promise<void> {
  const res = await fetch(`${verifier.url}/v1/authenticate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-arra-secret': WEBHOOK_SECRET },
    body: JSON.stringify({ clientId, username: clientId, password: 'not-a-real-password' }),
  });
  assert.equal(res.status, 403, 'a deny');
}

test('decisions --device lists that device’s denies with their reason; --json is one document', async (t) => {
  const verifier = await startTestVerifier(t);
  await refuse(verifier, 'ghost-1');
  await refuse(verifier, 'ghost-2');
  const table = await runCli(verifier, ['decisions', '--device', 'ghost-1']);
  assert.equal(table.code, EXIT.OK, table.stderr);
  assert.match(table.stdout, /deny\s+unknown_device\s+authenticate\s+ghost-1\s+ghost-1\s+native /);
  assert.doesNotMatch(table.stdout, /ghost-2/);
  const json = await runJson(verifier, ['decisions', '--reason', 'unknown_device']);
  assert.deepEqual(json.json.items.map((d: { clientId: string }) => d.clientId), ['ghost-1', 'ghost-2']);
  const bad = await runCli(verifier, ['decisions', '--reason', 'nope']);
  assert.equal(bad.code, EXIT.USAGE);
});

test('decisions --follow prints a new deny as it happens', async (t) => {
  const verifier = await startTestVerifier(t);
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'runtime/cli.ts'), '--json', 'decisions', '--follow', '--device', 'late'], {
    env: { PATH: process.env.PATH, ARRA_URL: verifier.adminUrl, ARRA_ADMIN_TOKEN: ADMIN_TOKEN },
    cwd: ROOT,
  });
  t.after(() => child.kill());
  let out = '';
  const seen = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no line within 60 s; stdout: ${out}`)), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  // Until the follow is waiting, a deny may land in its first page or its first wait: either prints it.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  await refuse(verifier, 'late');
  await seen;
  const line = JSON.parse(out.split('\n')[0]!);
  assert.deepEqual([line.clientId, line.reason], ['late', 'unknown_device']);
});
