/**
 * The admin API on a listener of its own (`ARRA_ADMIN_PORT`): it answers there only and is a plain
 * 404 on the webhook listener, and a listener off loopback speaks TLS with a certificate from the
 * verifier's server CA or the operator's files. Real HTTP(S) on ephemeral ports, a real SQLite file.
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { test, type TestContext } from 'node:test';
import { Agent, fetch } from 'undici';
import { createCaPems, loadDeviceCa } from '../../ca/device-ca.js';
import { issueServerCertificate } from '../../ca/server-tls.js';
import { ConfigError, loadConfig } from '../../config.js';
import { createLogger } from '../../../logging/logger.js';
import { startVerifier, type RunningVerifier } from '../server.js';

const TOKEN = 'listener-test-admin-token';

function tempDir(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A verifier on ephemeral ports, closed after the test; its data directory is `dataDir` or a new one. */
async function start(t: TestContext, env: Record<string, string>, dataDir = tempDir(t, 'arra-listeners-')): Promise<RunningVerifier & { dataDir: string }> {
  const config = loadConfig({ ARRA_DATA_DIR: dataDir, ARRA_HTTP_PORT: '0', ARRA_ADMIN_TOKEN: TOKEN, ...env });
  const verifier = await startVerifier(config, { logger: createLogger({ level: 'silent' }) });
  let closed = false;
  const close = async () => {
    if (!closed) await verifier.close();
    closed = true;
  };
  t.after(close);
  return { ...verifier, close, dataDir };
}

const auth = { authorization: `Bearer ${TOKEN}` };

test('with ARRA_ADMIN_PORT the admin API answers on its listener only and is a plain 404 on the webhook one', async (t) => {
  const v = await start(t, { ARRA_ADMIN_PORT: '0' });
  assert.notEqual(v.adminUrl, v.url);
  const onAdmin = await fetch(`${v.adminUrl}/v1/admin/devices`, { headers: auth });
  assert.equal(onAdmin.status, 200, 'the admin listener serves the admin API');

  const onWebhook = await fetch(`${v.url}/v1/admin/devices`, { headers: auth });
  assert.equal(onWebhook.status, 404, 'the right token does not open the admin API on the webhook listener');
  const unknown = await fetch(`${v.url}/no/such/path`);
  assert.deepEqual(
    { ...((await onWebhook.json()) as { error: { code: string } }).error, message: '' },
    { ...((await unknown.json()) as { error: { code: string } }).error, message: '' },
    'the same answer as a path that does not exist: the listener does not tell that an admin API exists',
  );
  const write = await fetch(`${v.url}/v1/admin/devices`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"id":"d1"}' });
  assert.equal(write.status, 404);
  const listed = (await (await fetch(`${v.adminUrl}/v1/admin/devices`, { headers: auth })).json()) as { items: unknown[] };
  assert.equal(listed.items.length, 0, 'the refused write changed nothing');

  assert.equal((await fetch(`${v.url}/healthz`)).status, 200, 'the webhook listener keeps /healthz');
});

test('without ARRA_ADMIN_PORT one loopback listener serves everything, as before', async (t) => {
  const v = await start(t, {});
  assert.equal(v.adminUrl, v.url);
  assert.equal((await fetch(`${v.url}/v1/admin/devices`, { headers: auth })).status, 200);
});

test('settings that would put the admin API on the webhook address are refused by name', () => {
  const problems = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env);
      return [];
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.problems;
    }
  };
  assert.match(problems({ ARRA_BIND: '0.0.0.0' }).join('\n'), /^ARRA_ADMIN_PORT: unset, so the admin API would share the listener on 0\.0\.0\.0:8080/m);
  assert.match(problems({ ARRA_WEBHOOK_BIND: '0.0.0.0', ARRA_ADMIN_PORT: '8080' }).join('\n'), /^ARRA_ADMIN_PORT: equals ARRA_HTTP_PORT/m);
  assert.match(problems({ ARRA_HTTP_TLS_CERT: '/x.pem' }).join('\n'), /^ARRA_HTTP_TLS_CERT\/ARRA_HTTP_TLS_KEY: give both or neither/m);
  assert.deepEqual(problems({ ARRA_BIND: '0.0.0.0', ARRA_ADMIN_BIND: '0.0.0.0' }), [], 'exposing the admin API deliberately is allowed');
  const split = loadConfig({ ARRA_BIND: '0.0.0.0', ARRA_ADMIN_PORT: '8081' });
  assert.deepEqual([split.bind, split.adminListen], ['0.0.0.0', { bind: '127.0.0.1', port: 8081 }]);
  assert.equal(loadConfig({ ARRA_BIND: '0.0.0.0', ARRA_WEBHOOK_BIND: '127.0.0.1' }).bind, '127.0.0.1', 'ARRA_WEBHOOK_BIND wins over ARRA_BIND');
});

/** The certificate a TLS server on 127.0.0.1:port presents, verified against `ca`. */
function peerCertificate(port: number, ca: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      const raw = socket.getPeerX509Certificate();
      socket.end();
      if (raw) resolve(raw);
      else reject(new Error('no peer certificate'));
    });
    socket.on('error', reject);
  });
}

test('a webhook listener off loopback speaks TLS with a certificate from the server CA, which is kept across restarts', async (t) => {
  // 0.0.0.0 stands for "off loopback"; the test dials it on 127.0.0.1, which the certificate names too.
  const v = await start(t, { ARRA_WEBHOOK_BIND: '0.0.0.0', ARRA_ADMIN_PORT: '0' });
  const port = Number(new URL(v.url).port);
  assert.match(v.url, /^https:/);
  assert.match(v.adminUrl, /^http:\/\/127\.0\.0\.1:/, 'the loopback admin listener stays plain HTTP');
  const caPem = readFileSync(join(v.dataDir, 'server-ca.pem'), 'utf8');
  assert.equal(statSync(join(v.dataDir, 'server-ca.key')).mode & 0o777, 0o600);
  const served = await peerCertificate(port, caPem);
  assert.match(served.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
  assert.ok(served.checkIssued(new X509Certificate(caPem)), 'issued by the server CA');
  assert.doesNotMatch(served.keyUsage?.join(',') ?? '', /1\.3\.6\.1\.5\.5\.7\.3\.2/, 'not usable as a client (device) certificate');
  const dispatcher = new Agent({ connect: { ca: caPem } });
  t.after(() => dispatcher.close());
  assert.equal((await fetch(`https://127.0.0.1:${port}/healthz`, { dispatcher })).status, 200);
  await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`), 'plain HTTP gets no answer');

  assert.notEqual(v.admin.caCertificatePem(), caPem, 'the server CA is not the device CA');

  await v.close();
  const again = await start(t, { ARRA_WEBHOOK_BIND: '0.0.0.0', ARRA_ADMIN_PORT: '0' }, v.dataDir);
  assert.equal(readFileSync(join(v.dataDir, 'server-ca.pem'), 'utf8'), caPem, 'a restart keeps the server CA');
  const reissued = await peerCertificate(Number(new URL(again.url).port), caPem);
  assert.ok(reissued.checkIssued(new X509Certificate(caPem)), 'clients that trust it keep working');
});

test('an operator certificate and key are served instead of an issued one', async (t) => {
  const dir = tempDir(t, 'arra-operator-tls-');
  const ca = await createCaPems('CN=Operator test CA');
  const leaf = await issueServerCertificate(await loadDeviceCa(ca), { ips: ['127.0.0.1'], dns: ['localhost'] });
  writeFileSync(join(dir, 'cert.pem'), leaf.cert);
  writeFileSync(join(dir, 'key.pem'), leaf.key, { mode: 0o600 });
  const v = await start(t, {
    ARRA_ADMIN_BIND: '0.0.0.0',
    ARRA_ADMIN_PORT: '0',
    ARRA_HTTP_TLS_CERT: join(dir, 'cert.pem'),
    ARRA_HTTP_TLS_KEY: join(dir, 'key.pem'),
  });
  assert.match(v.adminUrl, /^https:\/\/0\.0\.0\.0:/);
  const served = await peerCertificate(Number(new URL(v.adminUrl).port), ca.certPem);
  const fingerprint = (pem: string) => createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
  assert.equal(createHash('sha256').update(served.raw).digest('hex'), fingerprint(leaf.cert));
  const dispatcher = new Agent({ connect: { ca: ca.certPem } });
  t.after(() => dispatcher.close());
  const port = new URL(v.adminUrl).port;
  assert.equal((await fetch(`https://127.0.0.1:${port}/v1/admin/devices`, { headers: auth, dispatcher })).status, 200);
});
