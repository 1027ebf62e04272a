import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli, runJson } from './run-cli.js';
import { ADMIN_TOKEN, startTestVerifier } from '../../test/test-verifier.js';

test("the CLI beside a verifier trusts that verifier's server CA when its admin API speaks TLS off loopback", async (t) => {
  const verifier = await startTestVerifier(t, { env: { ARRA_ADMIN_BIND: '0.0.0.0', ARRA_ADMIN_PORT: '0' } });
  // 0.0.0.0 stands for "off loopback"; the CLI dials it on 127.0.0.1, which the issued certificate names.
  const url = verifier.adminUrl.replace('0.0.0.0', '127.0.0.1');
  assert.match(url, /^https:\/\/127\.0\.0\.1:/);
  const env = { ARRA_URL: url, ARRA_ADMIN_TOKEN: ADMIN_TOKEN };

  const beside = await runJson(undefined, ['device', 'add', 'ca-check'], { env: { ...env, ARRA_DATA_DIR: verifier.dataDir } });
  assert.equal(beside.code, 0, beside.stderr);
  assert.equal(beside.json.device.id, 'ca-check');

  const elsewhere = await runCli(undefined, ['device', 'list'], { env });
  assert.equal(elsewhere.code, 5, 'without the server CA the certificate is not trusted');
  assert.match(elsewhere.stderr, /certificate|verif/i);
});
