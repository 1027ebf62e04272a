import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { KeyEncryptionKey, SealedKeyError } from '../sealed-keys.js';

const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const kek = KeyEncryptionKey.fromSecret('a-key-encryption-secret-of-the-operator');
const refused = (message: RegExp) => ({ code: SealedKeyError.code, message });

test('a sealed private key opens with the same key and context, and holds no plaintext', () => {
  const sealed = kek.seal(pem, 'device_ca');
  assert.equal(kek.open(sealed, 'device_ca'), pem);
  assert.ok(!sealed.includes('PRIVATE KEY') && !sealed.includes(pem.split('\n')[1]!));
  assert.notEqual(kek.seal(pem, 'device_ca'), sealed, 'a fresh IV each time');
  assert.equal(KeyEncryptionKey.fromSecret('a-key-encryption-secret-of-the-operator').open(sealed, 'device_ca'), pem, 'another replica with the same secret');
});

test('another key, another row, a changed byte or a plaintext value is refused with the reason', () => {
  const sealed = kek.seal(pem, 'signing_keys:k1');
  const other = KeyEncryptionKey.fromSecret('another-replica-has-this-secret');
  assert.throws(() => other.open(sealed, 'signing_keys:k1'), refused(new RegExp(`sealed with key-encryption key ${kek.id}, this replica has ${other.id}`)));
  assert.throws(() => kek.open(sealed, 'signing_keys:k2'), refused(/altered or belongs to another row/));
  const last = sealed.at(-2) === 'A' ? 'B' : 'A';
  assert.throws(() => kek.open(`${sealed.slice(0, -2)}${last}${sealed.at(-1)}`, 'signing_keys:k1'), refused(/altered/));
  assert.throws(() => kek.open(pem, 'device_ca'), refused(/not a sealed value/));
  assert.throws(() => kek.open('sealed:v1:' + kek.id + ':AAAA', 'device_ca'), refused(/truncated/));
  assert.throws(() => KeyEncryptionKey.fromSecret('short'), refused(/at least 16 characters/));
});
