// Brokers' acl/superuser requests carry no proof, so each (caller, client id) remembers the identity its
// last allowed authentication proved; acl decides for that identity only. Not persisted: after a restart
// webhook clients must reconnect.
import type { AuthenticateAllow } from '../../schemas/index.js';
import type { Slot } from './acl-cache.js';

export interface Admission {
  deviceId: string | null;
  username: string | undefined;
  credential: AuthenticateAllow['credential'];
  /** Unix ms at which the credential stops being valid; Infinity when it does not expire. */
  notAfter: number;
  lastUsed: number;
  /** A registry change touched this identity: re-check the credential before use. */
  stale: boolean;
  /** The decision cache's slot for this identity, kept by the resolver while it stays live. */
  resolved?: Slot | undefined;
}

export interface AdmissionsConfig {
  maxEntries: number;
  idleMs: number;
}

export const DEFAULT_ADMISSIONS: AdmissionsConfig = { maxEntries: 500_000, idleMs: 86_400_000 };

/** NUL cannot occur in a caller, client id or username (control characters are refused first). */
function keyOf(caller: string, clientId: string): string {
  return `${caller}\u0000${clientId}`;
}

export class Admissions {
  private readonly records = new Map<string, Entry>();
  private readonly recency = new Recency();
  /** Record keys per device id, so a registry change marks exactly that device's records stale. */
  private readonly byDevice = new Map<string, Set<string>>();
  /** Live records per caller and username, for go-auth's superuser request (it names only the username). */
  private readonly byUsername = new Map<string, Set<string>>();

  constructor(
    private readonly config: AdmissionsConfig,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.records.size;
  }

  admit(caller: string, clientId: string, username: string | undefined, decision: AuthenticateAllow): void {
    const key = keyOf(caller, clientId);
    const notAfter = decision.expiresAt === null ? Infinity : decision.expiresAt * 1000;
    const fresh = { credential: decision.credential, notAfter, lastUsed: this.now(), stale: false };
    const known = this.records.get(key);
    if (known?.deviceId === decision.deviceId && known.username === username) {
      // The same identity again (a reconnect): its indexes stand, the record becomes the youngest.
      this.recency.use(Object.assign(known, fresh));
      return;
    }
    this.remove(key);
    const record: Entry = { key, deviceId: decision.deviceId, username, ...fresh, resolved: undefined, older: undefined, younger: undefined };
    this.records.set(key, record);
    this.recency.use(record);
    if (decision.deviceId !== null) index(this.byDevice, decision.deviceId, key);
    if (username !== undefined) index(this.byUsername, keyOf(caller, username), key);
    while (this.records.size > this.config.maxEntries) this.remove(this.recency.oldest!.key);
  }

  /** The live record of this client, marked used; undefined when none or expired. */
  find(caller: string, clientId: string): Admission | undefined {
    const key = keyOf(caller, clientId);
    const record = this.records.get(key);
    if (record === undefined) return undefined;
    const now = this.now();
    if (record.notAfter <= now || now - record.lastUsed > this.config.idleMs) {
      this.remove(key);
      return undefined;
    }
    record.lastUsed = now;
    this.recency.use(record);
    return record;
  }

  /** The client id of a live record of this caller that authenticated with `username`, if any. */
  clientIdByUsername(caller: string, username: string): string | undefined {
    for (const key of [...(this.byUsername.get(keyOf(caller, username)) ?? [])]) {
      const clientId = splitKey(key)[1];
      if (this.find(caller, clientId) !== undefined) return clientId;
    }
    return undefined;
  }

  forget(caller: string, clientId: string): void {
    this.remove(keyOf(caller, clientId));
  }

  /** A registry change: the device's records (all for `null`) are re-checked before next use. */
  touch(deviceId: string | null): void {
    const keys = deviceId === null ? this.records.keys() : (this.byDevice.get(deviceId) ?? []);
    for (const key of keys) this.records.get(key)!.stale = true;
  }

  private remove(key: string): void {
    const record = this.records.get(key);
    if (record === undefined) return;
    this.records.delete(key);
    this.recency.drop(record);
    if (record.deviceId !== null) unindex(this.byDevice, record.deviceId, key);
    if (record.username !== undefined) unindex(this.byUsername, keyOf(splitKey(key)[0], record.username), key);
  }
}

interface Entry extends Admission {
  key: string;
  older: Entry | undefined;
  younger: Entry | undefined;
}

/** Records from least to most recently used, linked: a use moves one without rehashing the map on every decision. */
class Recency {
  oldest: Entry | undefined;
  private youngest: Entry | undefined;

  use(entry: Entry): void {
    if (entry === this.youngest) return;
    this.drop(entry);
    entry.older = this.youngest;
    if (this.youngest) this.youngest.younger = entry;
    else this.oldest = entry;
    this.youngest = entry;
  }

  drop(entry: Entry): void {
    if (entry.older) entry.older.younger = entry.younger;
    else if (this.oldest === entry) this.oldest = entry.younger;
    if (entry.younger) entry.younger.older = entry.older;
    else if (this.youngest === entry) this.youngest = entry.older;
    entry.older = entry.younger = undefined;
  }
}

function splitKey(key: string): [string, string] {
  const at = key.indexOf('\u0000');
  return [key.slice(0, at), key.slice(at + 1)];
}

function index(map: Map<string, Set<string>>, name: string, key: string): void {
  let keys = map.get(name);
  if (keys === undefined) map.set(name, (keys = new Set()));
  keys.add(key);
}

function unindex(map: Map<string, Set<string>>, name: string, key: string): void {
  const keys = map.get(name);
  keys?.delete(key);
  if (keys?.size === 0) map.delete(name);
}
