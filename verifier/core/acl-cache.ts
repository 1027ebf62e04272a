// Bounded by (deviceId, clientId, username). CLOCK eviction: a hit only marks its slot, so the hot path is
// one lookup. Entries are indexed under every name looked up, so a change to device X drops exactly what
// could resolve to X.
import type { AclQuery, AclVerdict } from '../../rules/index.js';
import type { CompiledAcl } from '../../schemas/index.js';

export interface ResolvedIdentity {
  deviceId: string | null;
  enabled: boolean;
  superuser: boolean;
  acl: CompiledAcl;
  verdicts: Map<string, AclVerdict>;
}

/** Verdicts per identity; small because it multiplies with `cacheSize`. */
const MAX_VERDICTS = 32;

export function decisionKey(query: AclQuery): string {
  return `${query.action === 'publish' ? 'p' : 's'}${query.qos ?? '-'}${query.retain === undefined ? '-' : +query.retain}${query.topic}`;
}

/** A full table is emptied rather than tracked (topics with ids would churn it anyway). */
export function rememberVerdict(identity: ResolvedIdentity, key: string, verdict: AclVerdict): void {
  if (identity.verdicts.size >= MAX_VERDICTS) identity.verdicts.clear();
  identity.verdicts.set(key, verdict);
}

export interface Slot<V = ResolvedIdentity> {
  /** undefined: the identity names no device (cached too, and dropped when such a device appears). */
  identity: V | undefined;
  names: string[];
  recent: boolean;
  /** False once the slot leaves the cache: a holder of the slot (an admission) must look it up again. */
  live: boolean;
}

export class AclCache<V = ResolvedIdentity> {
  private readonly slots = new Map<string, Slot<V>>();
  private readonly byName = new Map<string, Set<string>>();
  hits = 0;
  misses = 0;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.slots.size;
  }

  get(key: string): Slot<V> | undefined {
    const slot = this.slots.get(key);
    if (!slot) {
      this.misses++;
      return undefined;
    }
    return this.use(slot);
  }

  /** A hit on a slot held since an earlier lookup; the caller checked `live`. */
  use(slot: Slot<V>): Slot<V> {
    this.hits++;
    slot.recent = true;
    return slot;
  }

  /** The new slot, or undefined when the cache keeps nothing (capacity 0). */
  set(key: string, identity: V | undefined, names: string[]): Slot<V> | undefined {
    if (this.capacity <= 0) return undefined;
    this.remove(key);
    this.makeRoom();
    const slot = { identity, names, recent: false, live: true };
    this.slots.set(key, slot);
    for (const name of names) {
      let keys = this.byName.get(name);
      if (!keys) this.byName.set(name, (keys = new Set()));
      keys.add(key);
    }
    return slot;
  }

  /** Frees one place before an insert (the newcomer is never its own victim); a marked slot gets one more round. */
  private makeRoom(): void {
    while (this.slots.size >= this.capacity) {
      const [oldest, slot] = this.slots.entries().next().value as [string, Slot<V>];
      if (!slot.recent) {
        this.remove(oldest);
        continue;
      }
      slot.recent = false;
      this.slots.delete(oldest);
      this.slots.set(oldest, slot);
    }
  }

  /** Drops every entry that resolved to, or was looked up by, this device id. */
  invalidate(deviceId: string): void {
    const keys = this.byName.get(deviceId);
    if (!keys) return;
    for (const key of [...keys]) this.remove(key);
  }

  clear(): void {
    for (const slot of this.slots.values()) release(slot);
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
    release(slot);
  }
}

/** A slot out of the cache keeps nothing: an admission may still hold it, and the cache's bound must hold. */
function release<V>(slot: Slot<V>): void {
  slot.live = false;
  slot.identity = undefined;
  slot.names = [];
}
