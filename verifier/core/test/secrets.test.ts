import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Secret, secretMatcher } from '../index.js';

const SECRET = 'arra_0123456789abcdefghij';

test('the exact secret matches, again and again (the scratch buffer is reset between calls)', () => {
  const matches = secretMatcher(SECRET);
  assert.equal(matches(SECRET), true);
  assert.equal(matches(`${SECRET}x`), false);
  assert.equal(matches(SECRET), true);
  assert.equal(matches(SECRET.slice(0, -1)), false, 'a shorter value after the secret: the tail it left is cleared');
  assert.equal(matches(SECRET), true);
});

test('prefixes, extensions and same-length guesses are refused', () => {
  const matches = secretMatcher(SECRET);
  for (const guess of ['', SECRET.slice(0, -1), `${SECRET}\u0000`, `${SECRET}${SECRET}`, SECRET.replace('j', 'k'), SECRET.toUpperCase()]) {
    assert.equal(matches(guess), false, JSON.stringify(guess));
  }
});

test('text is compared as UTF-8 bytes: a look-alike with multi-byte characters does not match', () => {
  const matches = secretMatcher('pässwörd-0123456789');
  assert.equal(matches('pässwörd-0123456789'), true);
  assert.equal(matches('passwo\u0308rd-0123456789'), false);
  assert.equal(matches('pässwörd-012345678'), false);
});

test('an empty configured secret matches nothing, not even the empty string', () => {
  const matches = secretMatcher('');
  assert.equal(matches(''), false);
  assert.equal(matches('anything'), false);
});

test('a Secret matches only its own text and never shows it', () => {
  const secret = new Secret(SECRET);
  assert.equal(secret.matches(SECRET), true);
  assert.equal(secret.matches(`${SECRET}x`), false);
  assert.equal(secret.matches(undefined), false);
  assert.equal(JSON.stringify({ secret }), '{"secret":"[redacted]"}');
});
