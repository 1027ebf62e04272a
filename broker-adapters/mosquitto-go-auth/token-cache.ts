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

/** Whose entries a device change drops: the device's allows, and every deny (a change may lift it). */
const DENIED = Symbol('denied');
type Owner = string | null | typeof DENIED;

interface Entry {
  decision: AuthenticateDecision;
  until: number;
  owner: Owner;
}

export class TokenDecisionCache {
  readonly #entries = new Map<string, Entry>();
  /** Keys by owner, so an import's thousands of device changes each drop their own entries, not scan all. */
  readonly #byOwner = new Map<Owner, Set<string>>();
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
    if (change.kind === 'all') {
      this.#entries.clear();
      this.#byOwner.clear();
      return;
    }
    this.#dropOwner(DENIED);
    this.#dropOwner(change.deviceId);
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
    this.#remove(key);
    // Map keeps insertion order: the first key is the oldest entry.
    if (this.#entries.size >= this.#maxEntries) this.#remove(this.#entries.keys().next().value!);
    const owner = decision.allow ? decision.deviceId : DENIED;
    this.#entries.set(key, { decision, until: Math.min(now + this.#ttlMs, expiry), owner });
    const keys = this.#byOwner.get(owner);
    if (keys === undefined) this.#byOwner.set(owner, new Set([key]));
    else keys.add(key);
  }

  #remove(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    const keys = this.#byOwner.get(entry.owner)!;
    keys.delete(key);
    if (keys.size === 0) this.#byOwner.delete(entry.owner);
  }

  #dropOwner(owner: Owner): void {
    const keys = this.#byOwner.get(owner);
    if (keys === undefined) return;
    this.#byOwner.delete(owner);
    for (const key of keys) this.#entries.delete(key);
  }
}
