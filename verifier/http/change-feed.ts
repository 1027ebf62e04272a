/**
 * Registry changes in a ring with long-poll waiters (`GET /v1/changes`). Revisions start at the process
 * start in µs, so an old process's revision gets `changes: null`, never a silently incomplete list; on
 * PostgreSQL replicas they are the change log's seqs (`Store.revisions`), the same on every replica.
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

interface Entry {
  revision: number;
  change: Change;
}

interface Waiter {
  since: number;
  finish: (answer: ChangesResponse) => void;
}

export class ChangeFeed {
  readonly #capacity: number;
  readonly #maxWaiters: number;
  readonly #ring: Entry[] = [];
  /** Index in #ring of the oldest entry once the ring is full. */
  #head = 0;
  #revision: number;
  /** The newest revision no longer kept: a `since` below it cannot be answered. */
  #floor: number;
  readonly #waiters = new Set<Waiter>();
  #closed = false;

  constructor(options: ChangeFeedOptions = {}) {
    this.#capacity = options.capacity ?? 4096;
    this.#maxWaiters = options.maxWaiters ?? 1000;
    this.#revision = options.startRevision ?? Date.now() * 1000;
    this.#floor = this.#revision;
  }

  get revision(): number {
    return this.#revision;
  }

  /** Records one change at `revision` (default: the next; an older one is ignored), answering waiting polls. */
  push(change: Change, revision = this.#revision + 1): void {
    if (revision <= this.#revision) return;
    this.#revision = revision;
    const entry = { revision, change };
    if (this.#ring.length < this.#capacity) this.#ring.push(entry);
    else {
      this.#floor = this.#ring[this.#head]!.revision;
      this.#ring[this.#head] = entry;
      this.#head = (this.#head + 1) % this.#capacity;
    }
    for (const waiter of this.#waiters) waiter.finish(this.since(waiter.since));
  }

  /** What changed after `since`, right now (an empty list when nothing did). */
  since(since: number): ChangesResponse {
    const revision = this.#revision;
    if (since > revision || since < this.#floor) return { revision, changes: null };
    const changes: Change[] = [];
    const count = this.#ring.length;
    for (let i = 0; i < count; i++) {
      const entry = this.#ring[(this.#head + i) % count]!;
      if (entry.revision > since) changes.push(entry.change);
    }
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
