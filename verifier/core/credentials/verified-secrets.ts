/**
 * A memory of password checks that succeeded, so a device reconnecting with the right password does
 * not pay a full scrypt every time (a fleet reconnecting after an outage would otherwise queue behind
 * the hash for minutes). Wrong passwords are never remembered and always pay the full price, so guessing
 * gains nothing. Entries are keyed by an HMAC, under a key that lives only in this process, of the
 * stored hash and the presented secret: the secret itself is never kept, a changed or new credential
 * has a new hash (new salt) and so a new key, and revocation and expiry are still read from the
 * registry on every attempt. Bounded: the oldest entry goes first.
 *
 * @module verifier/core/credentials/verified-secrets
 */
import { createHmac, randomBytes } from 'node:crypto';

const MAX_ENTRIES = 50_000;

export class VerifiedSecrets {
  readonly #key = randomBytes(32);
  readonly #entries = new Set<string>();

  #digest(storedHash: string, secret: string): string {
    return createHmac('sha256', this.#key).update(storedHash).update('\0').update(secret).digest('base64');
  }

  has(storedHash: string, secret: string): boolean {
    return this.#entries.has(this.#digest(storedHash, secret));
  }

  remember(storedHash: string, secret: string): void {
    const digest = this.#digest(storedHash, secret);
    this.#entries.delete(digest);
    this.#entries.add(digest);
    if (this.#entries.size > MAX_ENTRIES) this.#entries.delete(this.#entries.values().next().value!);
  }
}
