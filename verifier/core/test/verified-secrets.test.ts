import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHmac, randomBytes } from 'node:crypto';
import { VerifiedMemory, hmacSha256 } from '../credentials/verified-secrets.js';

test('a secret is recognised only with the stored hash it verified against', () => {
  const memory = new VerifiedMemory<boolean>();
  const recall = (parts: string[], from = memory) => from.recall(from.digest(parts));
  memory.remember(memory.digest(['scrypt$hash-a', 'secret']), true);
  assert.equal(recall(['scrypt$hash-a', 'secret']), true);
  assert.equal(recall(['scrypt$hash-a', 'secret2']), undefined);
  assert.equal(recall(['scrypt$hash-b', 'secret']), undefined);
  assert.equal(recall(['scrypt$hash-as', 'ecret']), undefined, 'the parts are kept apart');
  assert.equal(recall(['scrypt$hash-a', 'secret'], new VerifiedMemory<boolean>()), undefined, 'keys are per instance');
});

test('the memory is bounded and forgets the oldest first', () => {
  const memory = new VerifiedMemory<boolean>();
  for (let i = 0; i <= 50_000; i++) memory.remember(memory.digest([`h${i}`, 's']), true);
  assert.equal(memory.recall(memory.digest(['h0', 's'])), undefined);
  assert.equal(memory.recall(memory.digest(['h50000', 's'])), true);
});

test('overlapping checks of the same input run once; a failed check is not remembered', async () => {
  const memory = new VerifiedMemory<string>();
  const t = memory.digest(['t']);
  const bad = memory.digest(['bad']);
  let runs = 0;
  const ok = (value: string) => value.startsWith('ok');
  const slowCheck = (value: string) => async () => {
    runs++;
    await new Promise((resolve) => setTimeout(resolve, 10));
    return value;
  };
  const joined = await Promise.all([memory.once(t, slowCheck('ok'), ok), memory.once(t, slowCheck('ok-other'), ok)]);
  assert.deepEqual(joined, ['ok', 'ok']);
  assert.equal(runs, 1, 'the second call joined the first');
  assert.equal(await memory.once(t, slowCheck('ok-again'), ok), 'ok', 'remembered: no new check');
  assert.equal(runs, 1);
  const failures = await Promise.all([memory.once(bad, slowCheck('denied'), ok), memory.once(bad, slowCheck('denied-2'), ok)]);
  assert.deepEqual(failures, ['denied', 'denied'], 'overlapping failures share the one answer');
  assert.equal(await memory.once(bad, slowCheck('denied-3'), ok), 'denied-3');
  assert.equal(runs, 3, 'a failure is checked again every time');
  assert.equal(memory.recall(bad), undefined);
});

test('the memory\'s HMAC is HMAC-SHA256 as OpenSSL computes it, for any key up to the block size', () => {
  const sevenBit = (length: number) => randomBytes(length).map((byte) => byte & 0x7f);
  for (const key of [1, 32, 64].flatMap((length) => [randomBytes(length), sevenBit(length)])) {
    const length = key.length;
    for (const message of ['', 'secret\0', 'é ünïcode\0scrypt$hash\0', 'x'.repeat(1000)]) {
      assert.equal(hmacSha256(key)(message), createHmac('sha256', key).update(message).digest('base64'), `key ${length} bytes`);
    }
  }
  assert.throws(() => hmacSha256(randomBytes(65)), RangeError);
});

test('a restored snapshot recognises what the original remembered, under the original key', () => {
  const original = new VerifiedMemory<string>();
  original.remember(original.digest(['token-a']), 'claims-a');
  const restarted = new VerifiedMemory<string>();
  assert.equal(restarted.recall(restarted.digest(['token-a'])), undefined, 'a fresh memory has a key of its own');
  assert.equal(restarted.restore(original.snapshot()), true);
  assert.equal(restarted.recall(restarted.digest(['token-a'])), 'claims-a');
  assert.equal(restarted.recall(restarted.digest(['token-b'])), undefined);
});

test('a snapshot is taken over only by an empty memory, and only with a whole key', () => {
  const original = new VerifiedMemory<string>();
  original.remember(original.digest(['token-a']), 'claims-a');
  const busy = new VerifiedMemory<string>();
  busy.remember(busy.digest(['token-b']), 'claims-b');
  assert.equal(busy.restore(original.snapshot()), false);
  assert.equal(busy.recall(busy.digest(['token-b'])), 'claims-b', 'what it remembered stays findable');
  assert.throws(() => new VerifiedMemory<string>().restore({ key: new Uint8Array(16), entries: [] }), RangeError);
});
