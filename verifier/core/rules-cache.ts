/**
 * A device's rules between CONNECTs (reading them is a query per connect). A registry change drops
 * them before the next decision; a full table is emptied (a reconnect storm refills it).
 */
import type { Change } from './types.js';
import type { AclRule, DeviceRecord, RegistryStore } from './ports.js';

/** The key of anonymous clients' rules: no device id is empty. */
const ANONYMOUS = '';

export class RulesCache {
  /** By device id, then by the record's groups: a record read before a membership change keys apart. */
  readonly #byDevice = new Map<string, Map<string, readonly AclRule[]>>();

  constructor(
    private readonly read: RegistryStore['rulesFor'],
    private readonly capacity: number,
  ) {}

  rulesFor(device: DeviceRecord | null): readonly AclRule[] {
    const id = device?.id ?? ANONYMOUS;
    const groups = device ? device.groups.join('\u0000') : '';
    const known = this.#byDevice.get(id)?.get(groups);
    if (known) return known;
    const rules = Object.freeze(this.read(device));
    if (this.#byDevice.size >= this.capacity) this.#byDevice.clear();
    const entries = this.#byDevice.get(id) ?? new Map<string, readonly AclRule[]>();
    entries.set(groups, rules);
    this.#byDevice.set(id, entries);
    return rules;
  }

  invalidate(change: Change): void {
    if (change.kind === 'all') this.#byDevice.clear();
    else this.#byDevice.delete(change.deviceId);
  }

  get size(): number {
    return this.#byDevice.size;
  }
}
