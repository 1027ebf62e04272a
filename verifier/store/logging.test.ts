import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { openStore } from './index.js';
import { tempDir } from './test/helpers.js';

test('the store logs first-start events as JSON and never a secret, hash or private key', async (t) => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const store = await openStore({ dataDir: join(tempDir(t), 'data'), logger: pino({ level: 'debug' }, sink) });
  t.after(() => store.close());
  store.createDevice({ id: 'dev-1' });
  const { secret } = await store.addCredential('dev-1', { kind: 'password' });
  const issued = await store.issueCertificate('dev-1');
  await store.rotateKey();
  store.onChange(() => {
    throw new Error('listener failure');
  });
  store.createDevice({ id: 'dev-2' });
  const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
  for (const expected of ['registry schema migrated', 'first start: token signing key generated', 'first start: device CA created', 'signing key rotated', 'registry change listener threw']) {
    assert.ok(messages.includes(expected), expected);
  }
  const log = lines.join('\n');
  const privateJwkD = /"d":/;
  for (const leak of [secret!, 'scrypt$', 'PRIVATE KEY', issued.keyPem.split('\n')[1]!]) assert.ok(!log.includes(leak), leak);
  assert.doesNotMatch(log, privateJwkD);
});
