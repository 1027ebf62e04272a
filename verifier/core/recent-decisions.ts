/**
 * The last decisions, in memory, for "why was this device refused?": every deny, allows sampled (at
 * most `allowsPerSecond`), at most `capacity` records of bounded size. A record names who, what and
 * why; it never holds a password, token or certificate (a client id or topic that looks like a token
 * is replaced).
 */
import type { DecisionPage, DecisionQuery, DecisionRecord } from '../../schemas/index.js';
import { looksLikeJwt } from './identifiers.js';

export type DecisionInput = Omit<DecisionRecord, 'seq' | 'at'>;

export interface RecentDecisionsOptions {
  capacity: number;
  allowsPerSecond: number;
}

export const DEFAULT_RECENT_DECISIONS: RecentDecisionsOptions = { capacity: 2000, allowsPerSecond: 20 };
const MAX_TEXT = 256;
const MAX_WAITERS = 64;

export class RecentDecisions {
  readonly #ring: Array<DecisionRecord | undefined>;
  #seq = 0;
  #second = -1;
  #allowsThisSecond = 0;
  readonly #waiters = new Set<() => void>();

  constructor(
    private readonly options: RecentDecisionsOptions,
    private readonly now: () => number,
  ) {
    this.#ring = new Array<DecisionRecord | undefined>(options.capacity);
  }

  /**
   * Whether to record a decision: every deny, allows up to the sampling rate. Asked first, so an allow
   * left out costs no record. `monotonicMs` (the caller's performance.now()) paces the sampling.
   */
  keeps(allow: boolean, monotonicMs: number): boolean {
    return this.options.capacity > 0 && (!allow || this.#sampleAllow(monotonicMs));
  }

  record(input: DecisionInput): void {
    const seq = ++this.#seq;
    this.#ring[seq % this.options.capacity] = { ...clean(input), seq, at: new Date(this.now()).toISOString() };
    for (const wake of this.#waiters) wake();
  }

  query(query: Omit<DecisionQuery, 'wait'>): DecisionPage {
    const items: DecisionRecord[] = [];
    const first = Math.max(this.#seq - this.options.capacity + 1, (query.after ?? 0) + 1, 1);
    for (let seq = first; seq <= this.#seq && items.length < query.limit; seq++) {
      const item = this.#ring[seq % this.options.capacity]!;
      if (matches(item, query)) items.push(item);
    }
    return { items, last: this.#seq };
  }

  /** Answers at once when something matches, else when a matching record arrives or `waitSeconds` pass. */
  async wait(query: DecisionQuery, signal?: AbortSignal): Promise<DecisionPage> {
    const page = this.query(query);
    if (page.items.length > 0 || query.wait === 0 || this.#waiters.size >= MAX_WAITERS || signal?.aborted) return page;
    let after = page.last;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const check = () => {
        if (this.query({ ...query, after, limit: 1 }).items.length > 0) done();
        else after = this.#seq;
      };
      const timer = setTimeout(done, query.wait * 1000);
      this.#waiters.add(check);
      signal?.addEventListener('abort', done);
    });
    return this.query(query);
  }

  close(): void {
    for (const wake of [...this.#waiters]) wake();
    this.#waiters.clear();
  }

  #sampleAllow(monotonicMs: number): boolean {
    const second = Math.floor(monotonicMs / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#allowsThisSecond = 0;
    }
    return this.#allowsThisSecond++ < this.options.allowsPerSecond;
  }
}

function matches(item: DecisionRecord, query: Omit<DecisionQuery, 'wait'>): boolean {
  return (
    (query.device === undefined || item.deviceId === query.device) &&
    (query.reason === undefined || item.reason === query.reason) &&
    (query.allow === undefined || item.allow === query.allow)
  );
}

function text(value: string): string;
function text(value: string | null): string | null;
function text(value: string | null): string | null {
  if (value === null) return null;
  if (looksLikeJwt(value)) return '[token]';
  return value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT)}…` : value;
}

function clean(input: DecisionInput): DecisionInput {
  return {
    ...input,
    message: text(input.message),
    deviceId: text(input.deviceId),
    clientId: text(input.clientId),
    broker: text(input.broker),
    peerAddress: text(input.peerAddress),
    topic: text(input.topic),
  };
}
