/**
 * Registry changes in a ring with long-poll waiters (`GET /v1/changes`). Revisions start at the process
 * start in µs, so an old process's revision gets `changes: null`, never a silently incomplete list.
 */
import type { ChangesResponse } from '../../schemas/changes.js';
import type { Change } from '../../schemas/index.js';

export interface ChangeFeedOptions {
  /** Changes kept; an older `since` gets `changes: null`. */
  capacity?: number;
  /** Requests held open at once; beyond this, a poll is answered at once (the client polls again). */
  maxWaiters?: number;
  /** Start of the revision counter (default: now in µs). */
  startRevision?: number;
}

interface Waiter {
  since: number;
  finish: (answer: ChangesResponse) => void;
}

export class ChangeFeed {
  readonly #capacity: number;
  readonly #maxWaiters: number;
  readonly #ring: Change[] = [];
  /** Index in #ring of the oldest entry once the ring is full. */
  #head = 0;
  #revision: number;
  readonly #waiters = new Set<Waiter>();
  #closed = false;

  constructor(options: ChangeFeedOptions = {}) {
    this.#capacity = options.capacity ?? 4096;
    this.#maxWaiters = options.maxWaiters ?? 1000;
    this.#revision = options.startRevision ?? Date.now() * 1000;
  }

  get revision(): number {
    return this.#revision;
  }

  push(change: Change): void {
    this.#revision++;
    if (this.#ring.length < this.#capacity) this.#ring.push(change);
    else {
      this.#ring[this.#head] = change;
      this.#head = (this.#head + 1) % this.#capacity;
    }
    for (const waiter of this.#waiters) waiter.finish(this.since(waiter.since));
  }

  /** What changed after `since`, right now (an empty list when nothing did). */
  since(since: number): ChangesResponse {
    const revision = this.#revision;
    const available = this.#ring.length;
    const oldest = revision - available; // a `since` of exactly this needs every stored change
    if (since > revision || since < oldest) return { revision, changes: null };
    const wanted = revision - since;
    const changes: Change[] = [];
    for (let i = available - wanted; i < available; i++) changes.push(this.#ring[(this.#head + i) % available]!);
    return { revision, changes };
  }

  /** Waits up to `waitMs` only when nothing changed after `since`; `signal` ends it when the client goes. */
  wait(since: number | undefined, waitMs: number, signal?: AbortSignal): Promise<ChangesResponse> {
    const from = since ?? this.#revision;
    const now = this.since(from);
    if (now.changes === null || now.changes.length > 0 || waitMs === 0 || this.#closed) return Promise.resolve(now);
    if (this.#waiters.size >= this.#maxWaiters) return Promise.resolve(now);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        since: from,
        finish: (answer) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          this.#waiters.delete(waiter);
          resolve(answer);
        },
      };
      const onAbort = () => waiter.finish(this.since(from));
      const timer = setTimeout(onAbort, waitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  /** Answers every waiting poll now and refuses to hold new ones (shutdown must not wait 25 s). */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiters) waiter.finish(this.since(waiter.since));
  }
}
