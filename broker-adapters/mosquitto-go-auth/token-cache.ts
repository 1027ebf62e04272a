/**
 * go-auth asks with the same token for every message: decisions live `ttlMs`, never past the credential's
 * expiry, and go on a registry change. Faults are not kept; keys are digests, never the token.
 */
import { createHash } from 'node:crypto';
import type { AuthenticateDecision, Change } from '../../schemas/index.js';
import type { Decider } from '../../verifier/core/index.js';

export interface TokenCacheOptions {
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

export class TokenDecisionCache {
  readonly #entries = new Map<string, { decision: AuthenticateDecision; until: number }>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(
    private readonly decider: Decider,
    options: TokenCacheOptions = {},
  ) {
    this.#ttlMs = options.ttlMs ?? 10_000;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Drops what a registry change may have made wrong: `all` empties the cache. */
  invalidate(change: Change): void {
    if (change.kind === 'all') return this.#entries.clear();
    for (const [key, { decision }] of this.#entries) {
      if (!decision.allow || decision.deviceId === change.deviceId) this.#entries.delete(key);
    }
  }

  async decide(token: string, clientId: string): Promise<AuthenticateDecision> {
    const key = createHash('sha256').update(clientId).update('\0').update(token).digest('base64');
    const now = this.#now();
    const hit = this.#entries.get(key);
    if (hit !== undefined && hit.until > now) return hit.decision;
    // go-auth's JWT backend takes the token from the MQTT username and never sends the password.
    const decision = await this.decider.authenticate({ clientId, username: token });
    this.#store(key, decision, now);
    return decision;
  }

  #store(key: string, decision: AuthenticateDecision, now: number): void {
    const expiry = decision.allow && decision.expiresAt !== null ? decision.expiresAt * 1000 : Infinity;
    this.#entries.delete(key);
    // Map keeps insertion order: the first key is the oldest entry.
    if (this.#entries.size >= this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, { decision, until: Math.min(now + this.#ttlMs, expiry) });
  }
}
