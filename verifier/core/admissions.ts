/**
 * Who each webhook client authenticated as. A broker's acl / superuser request names a client id and
 * a username but carries no proof (NanoMQ sends no password there, go-auth's HTTP backend neither), so
 * the verifier remembers, per caller (the broker, by dialect and address) and client id, the identity
 * that the last allowed authentication of that client id proved: the device (or anonymous), the
 * username it presented and the credential. An acl decision is made for that identity and nothing
 * else; a client id with no record gets nothing.
 *
 * A record is replaced by the next allowed authentication of the same client id (a re-connect, or a
 * take-over by another identity, which the broker then lets in under that id), never by a denied one
 * (the broker keeps the connected client then). It ends when its credential expires, when it has not
 * been used for `idleMs`, when a registry change shows its credential gone or revoked (a removed and
 * re-created device is a new identity: its old credentials are gone), and the least recently used go
 * first when `maxEntries` is reached. Nothing here is persisted: after a verifier restart the clients
 * of webhook brokers must reconnect (their acl requests are denied until they do).
 *
 * @module verifier/core/admissions
 */
import type { AuthenticateAllow } from '../../schemas/index.js';

export interface Admission {
  /** null: an anonymous client. */
  deviceId: string | null;
  /** The username the client authenticated with (absent when it sent none). */
  username: string | undefined;
  credential: AuthenticateAllow['credential'];
  /** Unix ms at which the credential stops being valid; Infinity when it does not expire. */
  notAfter: number;
  lastUsed: number;
  /** A registry change touched this identity: the credential must be looked at again before use. */
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
  /** Map order is least recently used first. */
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
    this.remove(key);
    const notAfter = decision.expiresAt === null ? Infinity : decision.expiresAt * 1000;
    this.records.set(key, { deviceId: decision.deviceId, username, credential: decision.credential, notAfter, lastUsed: this.now(), stale: false });
    if (decision.deviceId !== null) index(this.byDevice, decision.deviceId, key);
    if (username !== undefined) index(this.byUsername, keyOf(caller, username), key);
    for (const oldest of this.records.keys()) {
      if (this.records.size <= this.config.maxEntries) break;
      this.remove(oldest);
    }
  }

  /** The live record of this client, marked as used; undefined when there is none or it ran out. */
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

  /** A registry change: the device's records (every record for `null`) are checked again before their next use. */
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
