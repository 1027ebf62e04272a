// Successful checks remembered (keyed by an HMAC under a process-only key, never the secret) so a
// reconnecting fleet skips scrypt; failures are never remembered, so guessing gains nothing. Overlapping
// checks of one input run once.
import { hash, randomBytes } from 'node:crypto';

const MAX_ENTRIES = 50_000;
/** SHA-256's block size: the HMAC pad length (RFC 2104). */
const BLOCK = 64;

/**
 * HMAC-SHA256 (RFC 2104) as two one-shot hashes, base64: createHmac sets up an OpenSSL context per call,
 * which costs several times the hashing once HTTP work has run between two calls. With a 7-bit key the
 * inner pad is ASCII, so it is hashed as text with the message: no buffer is built per call.
 */
export function hmacSha256(key: Uint8Array): (message: string) => string {
  if (key.length > BLOCK) throw new RangeError('HMAC keys longer than the hash block are not supported');
  const pad = (byte: number) => Buffer.from(Array.from({ length: BLOCK }, (_, i) => (key[i] ?? 0) ^ byte));
  const inner = pad(0x36);
  const innerText = inner.every((byte) => byte < 0x80) ? inner.toString('latin1') : undefined;
  // The outer pad, then the inner digest: filled and hashed within one call.
  const outer = Buffer.concat([pad(0x5c), Buffer.alloc(32)]);
  return (message) => {
    const innerDigest = hash('sha256', innerText === undefined ? Buffer.concat([inner, Buffer.from(message)]) : innerText + message, 'buffer');
    innerDigest.copy(outer, BLOCK);
    return hash('sha256', outer, 'base64');
  };
}

const KEY_BYTES = 32;

/** 224 random bits with the high bit of each byte clear: `hmacSha256`'s text path. */
function sevenBitKey(): Uint8Array {
  return randomBytes(KEY_BYTES).map((byte) => byte & 0x7f);
}

/** The memory's key for one input: computed once per attempt, then used to recall, remember or check. */
export type Digest = string & { readonly __digest: unique symbol };

/** What a restarted process may take over: the key the digests were made under, and the entries, oldest first. */
export interface MemorySnapshot<V> {
  key: Uint8Array;
  entries: Array<[Digest, V]>;
}

export class VerifiedMemory<V> {
  #key = sevenBitKey();
  #mac = hmacSha256(this.#key);
  readonly #entries = new Map<string, V>();
  readonly #running = new Map<string, Promise<V>>();

  constructor(private readonly maxEntries = MAX_ENTRIES) {}

  snapshot(): MemorySnapshot<V> {
    return { key: Uint8Array.from(this.#key), entries: [...this.#entries] as Array<[Digest, V]> };
  }

  /**
   * Takes over a snapshot, its key with it: only into a memory that holds and runs nothing yet (a
   * process that just started), since entries made under the replaced key could not be found again.
   */
  restore(snapshot: MemorySnapshot<V>): boolean {
    if (this.#entries.size > 0 || this.#running.size > 0) return false;
    if (snapshot.key.length !== KEY_BYTES) throw new RangeError(`a memory key is ${KEY_BYTES} bytes`);
    this.#key = Uint8Array.from(snapshot.key);
    this.#mac = hmacSha256(this.#key);
    for (const [digest, value] of snapshot.entries) this.#store(digest, value);
    return true;
  }

  digest(parts: readonly string[]): Digest {
    let text = '';
    for (const part of parts) text += `${part}\0`;
    return this.#mac(text) as Digest;
  }

  recall(digest: Digest): V | undefined {
    return this.#entries.get(digest);
  }

  remember(digest: Digest, value: V): void {
    this.#store(digest, value);
  }

  /** The remembered value, else `check`'s result (kept only when `succeeded`); a concurrent same check is joined. */
  once(digest: Digest, check: () => Promise<V>, succeeded: (value: V) => boolean): Promise<V> {
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
