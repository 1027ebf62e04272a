import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig, verifierConfigRows } from '../config.js';
import { Secret } from '../core/index.js';

test('an empty environment gives the documented defaults', () => {
  const config = loadConfig({});
  assert.equal(config.dataDir, './data');
  assert.equal(config.httpPort, 8080);
  assert.equal(config.bind, '127.0.0.1');
  assert.equal(config.tokenTtlSeconds, 86400);
  assert.equal(config.jwtAlg, 'EdDSA');
  assert.equal(config.aclNoMatch, 'deny');
  assert.equal(config.allowAnonymous, false);
  assert.deepEqual(config.webhookAllow, []);
  assert.equal(config.adminToken, undefined);
  assert.equal(config.webhookSecret, undefined);
});

test('every invalid variable is reported at once, by name', () => {
  assert.throws(
    () => loadConfig({ ARRA_HTTP_PORT: '70000', ARRA_JWT_ALG: 'HS256', ARRA_WEBHOOK_ALLOW: '10.0.0.0/8, nonsense', ARRA_ADMIN_TOKEN: 'short' }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.code, 'ERR_CONFIG_INVALID');
      assert.deepEqual(err.problems.map((p) => p.split(':')[0]).sort(), ['ARRA_ADMIN_TOKEN', 'ARRA_HTTP_PORT', 'ARRA_JWT_ALG', 'ARRA_WEBHOOK_ALLOW']);
      return true;
    },
  );
});

test('the admin token is kept only as a digest that compares and never serialises', () => {
  const config = loadConfig({ ARRA_ADMIN_TOKEN: 'a-very-secret-admin-token', ARRA_WEBHOOK_ALLOW: '127.0.0.1/32,::1' });
  assert.ok(config.adminToken instanceof Secret);
  assert.equal(config.adminToken.matches('a-very-secret-admin-token'), true);
  assert.equal(config.adminToken.matches('a-very-secret-admin-tokeN'), false);
  assert.equal(config.adminToken.matches(undefined), false);
  assert.doesNotMatch(JSON.stringify(config), /a-very-secret/);
  assert.deepEqual(config.webhookAllow, ['127.0.0.1/32', '::1']);
});

test('the configuration rows list every variable with its default', () => {
  const rows = new Map(verifierConfigRows().map((r) => [r.name, r.default]));
  for (const name of ['ARRA_DATA_DIR', 'ARRA_ADMIN_TOKEN', 'ARRA_LOCKOUT_SECONDS', 'ARRA_WEBHOOK_ALLOW', 'ARRA_BODY_LIMIT']) {
    assert.ok(rows.get(name), name);
  }
});

test('HTTP limits default to a 10 s headers and 20 s request deadline; headers longer than the request is refused', () => {
  assert.deepEqual(loadConfig({}).http, {
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 20_000,
    keepAliveTimeoutMs: 30_000,
    socketTimeoutMs: 75_000,
    maxConnections: 1024,
    maxConnectionsPerAddress: 256,
  });
  // Node does not enforce the request deadline at all in that combination.
  assert.throws(() => loadConfig({ ARRA_HTTP_HEADERS_TIMEOUT: '30' }), /ARRA_HTTP_HEADERS_TIMEOUT: must not exceed ARRA_HTTP_REQUEST_TIMEOUT \(20\)/);
  assert.throws(() => loadConfig({ ARRA_HTTP_SOCKET_TIMEOUT: '30' }), /ARRA_HTTP_SOCKET_TIMEOUT/);
});

test('ARRA_DATABASE_URL_FILE gives the URL from a file others cannot read, and no problem shows its text', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'arra-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const url = 'postgres://arra:pw-in-file-only@db.example:5432/arra';
  const file = (name: string, text: string, mode: number) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    chmodSync(path, mode);
    return path;
  };
  assert.equal(loadConfig({ ARRA_DATABASE_URL_FILE: file('ok', `${url}\n`, 0o640) }).databaseUrl, url);
  const refused = (env: Record<string, string>, message: RegExp) =>
    assert.throws(() => loadConfig(env), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, message);
      assert.doesNotMatch(err.message, /pw-in-file-only|not-a-url-secret/);
      return true;
    });
  refused({ ARRA_DATABASE_URL_FILE: file('open', url, 0o644) }, /ARRA_DATABASE_URL_FILE: others may read \S+open \(mode 644\); run: chmod o= /);
  refused({ ARRA_DATABASE_URL_FILE: file('bad', 'mysql://not-a-url-secret@x/y', 0o600) }, /ARRA_DATABASE_URL_FILE: \S+bad must hold one line, a postgres:\/\/ URL/);
  refused({ ARRA_DATABASE_URL_FILE: file('two', `${url}\n${url}\n`, 0o600) }, /must hold one line/);
  refused({ ARRA_DATABASE_URL_FILE: join(dir, 'missing') }, /ARRA_DATABASE_URL_FILE: \S+missing does not exist/);
  refused({ ARRA_DATABASE_URL_FILE: file('both', url, 0o600), ARRA_DATABASE_URL: url }, /give it or ARRA_DATABASE_URL, not both/);
});
