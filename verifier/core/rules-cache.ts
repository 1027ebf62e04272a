/**
 * The rules that can apply to a device (or to anonymous clients), remembered between CONNECTs: every
 * login compiles its connection's ACL from them, and reading them is a SQLite query with a JSON
 * subquery per connect. Keyed by the device and the groups of the record the core holds (rulesFor
 * reads the groups from it); a registry change drops the device's entries (`device`) or all of them
 * (`all`: group, everyone and anonymous rules), synchronously, before the next decision. Bounded: a
 * full table is emptied (a reconnect storm refills it with one query per device).
 *
 * @module verifier/core/rules-cache
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
