/** Shared secrets, compared in constant time in one place: `secretMatcher`. */
import { createHash, timingSafeEqual } from 'node:crypto';

export type SecretMatcher = (presented: string) => boolean;

/**
 * Runs on every broker request, so it neither hashes nor allocates; its time depends on the presented
 * length only. An empty `expected` matches nothing, not even an empty presented value.
 */
export function secretMatcher(expected: string): SecretMatcher {
  const want = Buffer.from(expected, 'utf8');
  if (want.length === 0) return () => false;
  const scratch = Buffer.alloc(want.length);
  return (presented) => {
    // Which native calls run depends on the presented length only, never on the secret's bytes.
    const written = scratch.write(presented, 'utf8');
    if (written < want.length) scratch.fill(0, written);
    const sameBytes = timingSafeEqual(scratch, want);
    return sameBytes && written === want.length && Buffer.byteLength(presented, 'utf8') === want.length;
  };
}

/** A secret kept only as its SHA-256 (the admin token): it can be checked, never read back or logged. */
export class Secret {
  readonly #matches: SecretMatcher;

  constructor(value: string) {
    this.#matches = secretMatcher(sha256(value));
  }

  matches(candidate: string | undefined): boolean {
    return candidate !== undefined && this.#matches(sha256(candidate));
  }

  toJSON(): string {
    return '[redacted]';
  }
}

function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
