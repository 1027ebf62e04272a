// Successful checks remembered (keyed by an HMAC under a process-only key, never the secret) so a
// reconnecting fleet skips scrypt; failures are never remembered, so guessing gains nothing. Overlapping
// checks of one input run once.
import { createHmac, createSecretKey, randomBytes } from 'node:crypto';

const MAX_ENTRIES = 50_000;

export class VerifiedMemory<V> {
  /** A KeyObject: createHmac would otherwise import the key on every call. */
  readonly #key = createSecretKey(randomBytes(32));
  readonly #entries = new Map<string, V>();
  readonly #running = new Map<string, Promise<V>>();

  constructor(private readonly maxEntries = MAX_ENTRIES) {}

  #digest(parts: readonly string[]): string {
    const hmac = createHmac('sha256', this.#key);
    for (const part of parts) hmac.update(part).update('\0');
    return hmac.digest('base64');
  }

  recall(parts: readonly string[]): V | undefined {
    return this.#entries.get(this.#digest(parts));
  }

  remember(parts: readonly string[], value: V): void {
    this.#store(this.#digest(parts), value);
  }

  /** The remembered value, else `check`'s result (kept only when `succeeded`); a concurrent same check is joined. */
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
