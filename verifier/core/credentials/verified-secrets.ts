/**
 * A memory of credential checks that succeeded, so a device reconnecting with the same secret does
 * not pay the full check every time: a scrypt for a password, a signature verification for a token
 * (a fleet reconnecting after an outage would otherwise queue behind them for minutes). Failed checks
 * are never remembered and always pay the full price, so guessing gains nothing. Entries are keyed by
 * an HMAC, under a key that lives only in this process, of what the check read (for a password the
 * stored hash and the presented secret; for a token the token): the secret itself is never kept, and a
 * changed or new password credential has a new hash (new salt) and so a new key. What can change after
 * the check (revocation, expiry, a disabled device, a retired signing key) is still read on every
 * attempt by the caller. Bounded: the oldest entry goes first.
 *
 * Checks of the same input that overlap run once (`once`): a fleet that retries while its first
 * attempts are still being checked joins them instead of queueing a second scrypt behind the first.
 *
 * @module verifier/core/credentials/verified-secrets
 */
import { createHmac, createSecretKey, randomBytes } from 'node:crypto';

const MAX_ENTRIES = 50_000;

export class VerifiedMemory<V> {
  /** A KeyObject, not bytes: createHmac would otherwise import the key again on every call. */
  readonly #key = createSecretKey(randomBytes(32));
  readonly #entries = new Map<string, V>();
  /** Checks running now, by digest; each is removed when it settles. */
  readonly #running = new Map<string, Promise<V>>();

  constructor(private readonly maxEntries = MAX_ENTRIES) {}

  #digest(parts: readonly string[]): string {
    const hmac = createHmac('sha256', this.#key);
    for (const part of parts) hmac.update(part).update('\0');
    return hmac.digest('base64');
  }

  /** What a successful check of `parts` remembered, if it is still remembered. */
  recall(parts: readonly string[]): V | undefined {
    return this.#entries.get(this.#digest(parts));
  }

  remember(parts: readonly string[], value: V): void {
    this.#store(this.#digest(parts), value);
  }

  /**
   * The remembered value, else the result of `check`, remembered when `succeeded` says so (a failure
   * never is); a call while a check of the same `parts` runs waits for that one instead of starting
   * another, and gets the same result.
   */
  once(parts: readonly string[], check: () => Promise<V>, succeeded: (value: V) => boolean): Promise<V> {
    const digest = this.#digest(parts);
    const known = this.#entries.get(digest);
    if (known !== undefined) return Promise.resolve(known);
    const running = this.#running.get(digest);
    if (running) return running;
    const started = check()
      .then((value) => {
        if (succeeded(value)) this.#store(digest, value);
        return value;
      })
      .finally(() => this.#running.delete(digest));
    this.#running.set(digest, started);
    return started;
  }

  #store(digest: string, value: V): void {
    this.#entries.delete(digest);
    this.#entries.set(digest, value);
    if (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }
}
