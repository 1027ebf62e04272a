/**
 * `arra-mq cert ...` as a child process: issued key files are private and match the registered
 * fingerprint; existing certificates register by fingerprint; revocation; no overwriting.
 *
 * @module verifier/cli/certs.test
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { EXIT } from '../_exit-codes.js';
import { runCli, runJson } from './run-cli.js';
import { startTestVerifier } from '../../test/test-verifier.js';

function sha256Hex(cert: X509Certificate): string {
  return cert.fingerprint256.replace(/:/g, '').toLowerCase();
}

test('cert issue writes a 0600 key, the certificate and the CA, and the certificate is the registered one', async (t) => {
  const verifier = await startTestVerifier(t);
  await runCli(verifier, ['device', 'add', 'cam-1']);
  const out = join(verifier.dataDir, 'certs');

  const issued = await runJson(verifier, ['cert', 'issue', 'cam-1', '--out', out, '--days', '30']);
  assert.equal(issued.code, EXIT.OK, issued.stderr);
  assert.doesNotMatch(issued.stdout, /PRIVATE KEY/);
  assert.equal((await stat(join(out, 'cam-1.key.pem'))).mode & 0o777, 0o600);

  const cert = new X509Certificate(await readFile(join(out, 'cam-1.cert.pem')));
  const ca = new X509Certificate(await readFile(join(out, 'ca.pem')));
  const key = createPrivateKey(await readFile(join(out, 'cam-1.key.pem')));
  assert.equal(sha256Hex(cert), issued.json.credential.fingerprint);
  assert.ok(cert.checkPrivateKey(key), 'the key file belongs to the certificate');
  assert.ok(cert.verify(ca.publicKey), 'the CA file signed the certificate');

  const shown = await runJson(verifier, ['device', 'show', 'cam-1']);
  assert.deepEqual(shown.json.credentials.map((c: { fingerprint?: string }) => c.fingerprint), [sha256Hex(cert)]);

  // A second issue into the same directory would overwrite the key: refused before asking the verifier.
  const again = await runCli(verifier, ['cert', 'issue', 'cam-1', '--out', out]);
  assert.equal(again.code, EXIT.CONFLICT);
  assert.match(again.stderr, /cam-1\.key\.pem already exists/);
  assert.equal((await runJson(verifier, ['device', 'show', 'cam-1'])).json.credentials.length, 1);
});

test('cert add registers the fingerprint of an existing certificate; cert revoke revokes it', async (t) => {
  const verifier = await startTestVerifier(t);
  await runCli(verifier, ['device', 'add', 'cam-2']);
  const keyFile = join(verifier.dataDir, 'own.key.pem');
  const certFile = join(verifier.dataDir, 'own.cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=cam-2'], { stdio: 'ignore' });
  const cert = new X509Certificate(await readFile(certFile));

  const added = await runJson(verifier, ['cert', 'add', 'cam-2', '--cert', certFile]);
  assert.equal(added.code, EXIT.OK, added.stderr);
  assert.equal(added.json.credential.fingerprint, sha256Hex(cert));

  const human = await runCli(verifier, ['cert', 'revoke', 'cam-2', added.json.credential.id]);
  assert.equal(human.code, EXIT.OK, human.stderr);
  assert.match(human.stdout, /^revoked\s+yes$/m);

  const missingFile = await runCli(verifier, ['cert', 'add', 'cam-2', '--cert', join(verifier.dataDir, 'nope.pem')]);
  assert.equal(missingFile.code, EXIT.USAGE);
  const unknownCredential = await runCli(verifier, ['cert', 'revoke', 'cam-2', 'no-such-credential']);
  assert.equal(unknownCredential.code, EXIT.NOT_FOUND);
});
