/**
 * An in-memory ring buffer of registry changes with long-poll waiters, fed by `store.onChange`. It
 * answers "what changed after revision N?" for `GET /v1/changes`, and holds a request open (bounded)
 * while nothing did.
 *
 * Revisions start at the process start time in microseconds, so a revision handed out by a previous
 * process is always older than this one's oldest and gets `changes: null` (re-check everything)
 * instead of a silently incomplete list.
 *
 * @module verifier/http/change-feed
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

  /** Records one change and answers every waiting poll. */
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

  /**
   * Answers at once when something changed after `since` (or the feed cannot tell), otherwise waits
   * up to `waitMs` for the next change. `signal` aborts the wait when the client goes away.
   */
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
