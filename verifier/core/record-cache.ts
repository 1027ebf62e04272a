// Devices, token records and password credentials between decisions (each is a registry query). A
// registry change drops what it names before the next decision, as the rules cache does: a revoke,
// disable or removal applies at once. A full table is emptied; what is not there is never remembered.
import type { Change } from './types.js';
import type { DeviceRecord, PasswordCredential, RegistryStore, TokenRecord } from './ports.js';

type Reads = Pick<RegistryStore, 'getDevice' | 'getToken' | 'listPasswordCredentials'>;

export class RecordCache implements Reads {
  readonly #devices = new Map<string, DeviceRecord>();
  readonly #passwords = new Map<string, PasswordCredential[]>();
  readonly #tokens = new Map<string, TokenRecord>();
  /** The jtis cached per device id: the device's change drops exactly its tokens. */
  readonly #tokensOf = new Map<string, Set<string>>();

  constructor(
    private readonly registry: Reads,
    private readonly capacity: number,
  ) {}

  getDevice(id: string): DeviceRecord | undefined {
    return this.#devices.get(id) ?? this.#keep(this.#devices, id, this.registry.getDevice(id));
  }

  listPasswordCredentials(deviceId: string): PasswordCredential[] {
    return this.#passwords.get(deviceId) ?? this.#keep(this.#passwords, deviceId, this.registry.listPasswordCredentials(deviceId))!;
  }

  getToken(jti: string): TokenRecord | undefined {
    const known = this.#tokens.get(jti);
    if (known) return known;
    const record = this.#keep(this.#tokens, jti, this.registry.getToken(jti));
    if (record && this.#tokens.has(jti)) {
      const jtis = this.#tokensOf.get(record.deviceId) ?? new Set<string>();
      this.#tokensOf.set(record.deviceId, jtis.add(jti));
    }
    return record;
  }

  invalidate(change: Change): void {
    if (change.kind === 'all') return this.clear();
    this.#devices.delete(change.deviceId);
    this.#passwords.delete(change.deviceId);
    for (const jti of this.#tokensOf.get(change.deviceId) ?? []) this.#tokens.delete(jti);
    this.#tokensOf.delete(change.deviceId);
  }

  clear(): void {
    this.#devices.clear();
    this.#passwords.clear();
    this.#tokens.clear();
    this.#tokensOf.clear();
  }

  #keep<V>(table: Map<string, V>, key: string, value: V | undefined): V | undefined {
    if (value === undefined || this.capacity <= 0) return value;
    if (table.size >= this.capacity) this.#empty(table);
    table.set(key, value);
    return value;
  }

  #empty(table: Map<string, unknown>): void {
    if (table === this.#tokens) this.#tokensOf.clear();
    table.clear();
  }
}
