// Brokers' acl/superuser requests carry no proof, so each (caller, client id) remembers the identity its
// last allowed authentication proved; acl decides for that identity only. Not persisted: after a restart
// webhook clients must reconnect.
import type { AuthenticateAllow } from '../../schemas/index.js';

export interface Admission {
  deviceId: string | null;
  username: string | undefined;
  credential: AuthenticateAllow['credential'];
  /** Unix ms at which the credential stops being valid; Infinity when it does not expire. */
  notAfter: number;
  lastUsed: number;
  /** A registry change touched this identity: re-check the credential before use. */
  stale: boolean;
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
  private readonly records = new Map<string, Admission>();
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
      // The same identity again (a reconnect): its indexes stand, the record moves to the young end.
      this.records.delete(key);
      this.records.set(key, Object.assign(known, fresh));
      return;
    }
    this.remove(key);
    this.records.set(key, { deviceId: decision.deviceId, username, ...fresh });
    if (decision.deviceId !== null) index(this.byDevice, decision.deviceId, key);
    if (username !== undefined) index(this.byUsername, keyOf(caller, username), key);
    for (const oldest of this.records.keys()) {
      if (this.records.size <= this.config.maxEntries) break;
      this.remove(oldest);
    }
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
    this.records.delete(key);
    this.records.set(key, record);
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
    if (record.deviceId !== null) unindex(this.byDevice, record.deviceId, key);
    if (record.username !== undefined) unindex(this.byUsername, keyOf(splitKey(key)[0], record.username), key);
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
