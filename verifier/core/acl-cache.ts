/**
 * The authorize hot path's memory: what an identity resolved to (device, enabled, superuser, compiled
 * ACL), bounded and keyed by (deviceId, clientId, username). Eviction is second-chance (CLOCK), an
 * approximation of LRU: a hit only marks its slot, so the hot path is one map lookup instead of a
 * delete and a re-insert per request; the eviction walk gives marked slots one more round. Each entry is also indexed under every
 * name it was looked up by, so a registry change for device `X` drops exactly the entries that resolved
 * to `X` or could now resolve to `X` (a device created under a username that used to name nothing).
 * Each identity also remembers the verdicts of its ACL per (action, qos, retain, topic): a verdict
 * depends on nothing else, and it goes when the identity goes.
 *
 * @module verifier/core/acl-cache
 */
import type { AclQuery, AclVerdict } from '../../rules/index.js';
import type { CompiledAcl } from '../../schemas/index.js';

export interface ResolvedIdentity {
  /** null: anonymous. */
  deviceId: string | null;
  enabled: boolean;
  superuser: boolean;
  acl: CompiledAcl;
  /** Verdicts already computed for this ACL, by `decisionKey`; see `rememberVerdict`. */
  verdicts: Map<string, AclVerdict>;
}

/**
 * Most verdicts remembered per identity. Devices use a handful of topics, so this rarely fills; kept
 * small because it multiplies with `cacheSize` (100k identities × 32 verdicts stays in the tens of MB).
 */
const MAX_VERDICTS = 32;

export function decisionKey(query: AclQuery): string {
  return `${query.action === 'publish' ? 'p' : 's'}${query.qos ?? '-'}${query.retain === undefined ? '-' : +query.retain}${query.topic}`;
}

/** Remembers a verdict; a full table is emptied rather than tracked (topics with ids in them would churn it anyway). */
export function rememberVerdict(identity: ResolvedIdentity, key: string, verdict: AclVerdict): void {
  if (identity.verdicts.size >= MAX_VERDICTS) identity.verdicts.clear();
  identity.verdicts.set(key, verdict);
}

interface Slot {
  /** undefined: the identity names no device (cached too, and dropped when such a device appears). */
  identity: ResolvedIdentity | undefined;
  names: string[];
  /** Hit since the eviction walk last passed it. */
  recent: boolean;
}

export class AclCache {
  private readonly slots = new Map<string, Slot>();
  private readonly byName = new Map<string, Set<string>>();
  hits = 0;
  misses = 0;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.slots.size;
  }

  /** The slot for `key` (marked as recently used), or undefined on a miss. */
  get(key: string): Slot | undefined {
    const slot = this.slots.get(key);
    if (!slot) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    slot.recent = true;
    return slot;
  }

  set(key: string, identity: ResolvedIdentity | undefined, names: string[]): void {
    if (this.capacity <= 0) return;
    this.remove(key);
    this.makeRoom();
    this.slots.set(key, { identity, names, recent: false });
    for (const name of names) {
      let keys = this.byName.get(name);
      if (!keys) this.byName.set(name, (keys = new Set()));
      keys.add(key);
    }
  }

  /**
   * Frees one place before an insert (so the newcomer is never its own victim). Oldest first; a marked
   * slot loses its mark and goes to the back. Ends: every slot is moved at most once.
   */
  private makeRoom(): void {
    while (this.slots.size >= this.capacity) {
      const [oldest, slot] = this.slots.entries().next().value as [string, Slot];
      if (!slot.recent) {
        this.remove(oldest);
        continue;
      }
      slot.recent = false;
      this.slots.delete(oldest);
      this.slots.set(oldest, slot);
    }
  }

  /** Drops every entry that resolved to, or was looked up by, this device id. Synchronous. */
  invalidate(deviceId: string): void {
    const keys = this.byName.get(deviceId);
    if (!keys) return;
    for (const key of [...keys]) this.remove(key);
  }

  clear(): void {
    this.slots.clear();
    this.byName.clear();
  }

  private remove(key: string): void {
    const slot = this.slots.get(key);
    if (!slot) return;
    this.slots.delete(key);
    for (const name of slot.names) {
      const keys = this.byName.get(name);
      keys?.delete(key);
      if (keys?.size === 0) this.byName.delete(name);
    }
  }
}
