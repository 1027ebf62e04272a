/** The standalone broker reads the verifier's webhook-secret file under the rules the verifier applies to it. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { WEBHOOK_SECRET_FILE } from '../../schemas/data-dir.js';
import { ConfigError } from '../../verifier/config.js';
import { brokerWebhookSecret } from '../webhook-secret.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'arra-webhook-secret-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const refusal = (pattern: RegExp) => (err: unknown) => err instanceof ConfigError && pattern.test(err.message);

test('the webhook secret comes from the variable, else from $ARRA_DATA_DIR/webhook-secret, else refuses', (t) => {
  const dataDir = tempDir(t);
  assert.equal(brokerWebhookSecret({ webhookSecret: 's3cret', dataDir }), 's3cret');
  assert.throws(() => brokerWebhookSecret({ webhookSecret: null, dataDir }), refusal(/ARRA_WEBHOOK_SECRET: unset, and .*webhook-secret does not exist/));
  writeFileSync(join(dataDir, WEBHOOK_SECRET_FILE), 'a-long-enough-webhook-secret\n', { mode: 0o600 });
  assert.equal(brokerWebhookSecret({ webhookSecret: null, dataDir }), 'a-long-enough-webhook-secret');
});

test('a webhook-secret file others may read, or shorter than 16 characters, stops the broker as it stops the verifier', (t) => {
  const dataDir = tempDir(t);
  const path = join(dataDir, WEBHOOK_SECRET_FILE);
  writeFileSync(path, 'a-long-enough-webhook-secret\n', { mode: 0o640 });
  assert.throws(() => brokerWebhookSecret({ webhookSecret: null, dataDir }), refusal(/group or others may access it \(mode 640\); run: chmod 600/));
  rmSync(path);
  writeFileSync(path, 'short\n', { mode: 0o600 });
  assert.throws(() => brokerWebhookSecret({ webhookSecret: null, dataDir }), refusal(/must be at least 16 characters \(the same rule as ARRA_WEBHOOK_SECRET\)/));
});
