/**
 * `secretMatcher(expected)`: a constant-time check of a presented shared secret (the broker webhook
 * secret) against one configured value. It runs on every broker request, so it neither hashes nor
 * allocates: the presented text is written over a zeroed scratch buffer as long as the secret and
 * compared with `timingSafeEqual`, which always reads the secret's full length. The time taken
 * depends on the presented length (the caller's own) and never on the content of the secret; a
 * length mismatch is folded in after the comparison, not instead of it. (The admin token is
 * checked by `Secret` in `verifier/config.ts`, which holds only its SHA-256 so the token is never
 * kept as text; admin calls are too rare for the hash to matter.)
 *
 * @module verifier/core/secret-matcher
 */
import { timingSafeEqual } from 'node:crypto';

export type SecretMatcher = (presented: string) => boolean;

/** An empty `expected` matches nothing, not even an empty presented value. */
export function secretMatcher(expected: string): SecretMatcher {
  const want = Buffer.from(expected, 'utf8');
  if (want.length === 0) return () => false;
  const scratch = Buffer.alloc(want.length);
  return (presented) => {
    scratch.fill(0);
    scratch.write(presented, 'utf8');
    const sameBytes = timingSafeEqual(scratch, want);
    return sameBytes && Buffer.byteLength(presented, 'utf8') === want.length;
  };
}
