import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { testEachStore } from '../../store/test/each-store.js';
import pino from 'pino';
import { openTestAdmin } from './helpers.js';
import { CertificateIssue, CredentialCreate, DeviceCreate } from '../../../schemas/admin.js';

testEachStore('the store and the use cases log first-start events as JSON and never a secret, hash or private key', async (t) => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const { store, admin } = await openTestAdmin(t, { logger: pino({ level: 'debug' }, sink) });
  await admin.createDevice(DeviceCreate.parse({ id: 'dev-1' }));
  const { secret } = await admin.addCredential('dev-1', CredentialCreate.parse({ kind: 'password' }));
  const issued = await admin.issueCertificate('dev-1', CertificateIssue.parse({}));
  await admin.rotateKey('EdDSA');
  store.onChange(() => {
    throw new Error('listener failure');
  });
  await admin.createDevice(DeviceCreate.parse({ id: 'dev-2' }));
  const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
  for (const expected of ['registry schema migrated', 'first start: token signing key generated', 'first start: device CA created', 'signing key rotated', 'registry change listener threw']) {
    assert.ok(messages.includes(expected), expected);
  }
  const log = lines.join('\n');
  const privateJwkD = /"d":/;
  for (const leak of [secret!, 'scrypt$', 'PRIVATE KEY', issued.keyPem.split('\n')[1]!]) assert.ok(!log.includes(leak), leak);
  assert.doesNotMatch(log, privateJwkD);
});
