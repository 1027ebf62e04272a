/**
 * The shipped `haproxy/haproxy.cfg` with Debian's HAProxy in front of two real verifier processes on
 * one registry, called the way NanoMQ calls it (no secret header: the proxy adds it). One broker
 * host's auth and acl requests reach the same replica; when that replica is killed -9 the next one
 * answers at once, and acl requests for clients it did not see authenticate are denied until they
 * authenticate again (the documented cost of per-replica admissions). Skipped with the reason when
 * HAProxy is not installed (`.ci/run` installs it).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { request } from 'undici';
import { canConnect, freePort } from '../../verifier/test/net.js';
import { startVerifierProcess } from '../../verifier/test/process.js';
import { WEBHOOK_SECRET } from '../../verifier/test/test-verifier.js';

const HAPROXY = '/usr/sbin/haproxy';
const SNIPPET = join(import.meta.dirname, '..', 'haproxy', 'haproxy.cfg');
const PASSWORD = 'a-long-password-for-the-haproxy-test';

/** The shipped snippet with this test's port, replicas (plain http on loopback) and secret. */
function renderSnippet(port: number, replicas: string[]): string {
  const text = readFileSync(SNIPPET, 'utf8')
    .replace('bind 127.0.0.1:8080', `bind 127.0.0.1:${port}`)
    .replace('set-header X-Arra-Secret CHANGE-ME', `set-header X-Arra-Secret ${WEBHOOK_SECRET}`);
  const servers = text.match(/^ {4}server verifier-[ab] .*$/gm) ?? [];
  assert.equal(servers.length, 2, 'the snippet names two replicas');
  return servers.reduce((cfg, line, i) => cfg.replace(line, `    server verifier-${'ab'[i]} ${new URL(replicas[i]!).host} check`), text);
}

async function startHaproxy(t: TestContext, replicas: string[]): Promise<number> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'arra-haproxy-replicas-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'haproxy.cfg');
  writeFileSync(config, renderSnippet(port, replicas));
  const child = spawn(HAPROXY, ['-db', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  t.after(() => child.kill('SIGKILL'));
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`HAProxy did not listen: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return port;
}

/** A NanoMQ-shaped form POST through the proxy, without the secret header. */
async function nanomq(port: number, route: 'auth' | 'acl', fields: Record<string, string>): Promise<{ status: number; body: string }> {
  const response = await request(`http://127.0.0.1:${port}/nanomq/${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.statusCode, body: await response.body.text() };
}

const login = { clientid: 'c1', username: 'dev-1', password: PASSWORD };
const statusEvent = { clientid: 'c1', username: 'dev-1', access: '2', topic: '$SYS/brokers/client_status/c1' };

test('HAProxy per the shipped snippet keeps a broker on one replica and fails over when it is killed -9', { skip: existsSync(HAPROXY) ? false : `${HAPROXY} is not installed (Debian: apt-get install haproxy)` }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'arra-haproxy-registry-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const a = await startVerifierProcess(t, { ARRA_DATA_DIR: dataDir });
  await a.admin('POST', '/devices', { id: 'dev-1', requireClientIdMatch: false });
  await a.admin('POST', '/devices/dev-1/credentials', { kind: 'password', secret: PASSWORD });
  const b = await startVerifierProcess(t, { ARRA_DATA_DIR: dataDir });
  const port = await startHaproxy(t, [a.url, b.url]);

  const first = await nanomq(port, 'auth', login);
  assert.equal(first.status, 200, `the proxy adds the secret; the device is admitted: ${first.body}`);
  for (let i = 0; i < 5; i += 1) {
    assert.equal((await nanomq(port, 'acl', statusEvent)).status, 200, 'acl requests reach the replica that saw the auth');
  }

  await a.kill('SIGKILL');
  const afterKill = await nanomq(port, 'acl', statusEvent);
  assert.equal(afterKill.status, 403, 'the next replica answers at once, and did not see this client authenticate');
  assert.match(afterKill.body, /not_authenticated/);
  assert.equal((await nanomq(port, 'auth', login)).status, 200, 'a reconnect authenticates through the next replica');
  assert.equal((await nanomq(port, 'acl', statusEvent)).status, 200);
});
