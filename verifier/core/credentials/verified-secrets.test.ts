import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VerifiedSecrets } from './verified-secrets.js';

test('a secret is recognised only with the stored hash it verified against', () => {
  const memory = new VerifiedSecrets();
  memory.remember('scrypt$hash-a', 'secret');
  assert.equal(memory.has('scrypt$hash-a', 'secret'), true);
  assert.equal(memory.has('scrypt$hash-a', 'secret2'), false);
  assert.equal(memory.has('scrypt$hash-b', 'secret'), false);
  assert.equal(new VerifiedSecrets().has('scrypt$hash-a', 'secret'), false, 'keys are per instance');
});

test('the memory is bounded and forgets the oldest first', () => {
  const memory = new VerifiedSecrets();
  for (let i = 0; i <= 50_000; i++) memory.remember(`h${i}`, 's');
  assert.equal(memory.has('h0', 's'), false);
  assert.equal(memory.has('h50000', 's'), true);
});
