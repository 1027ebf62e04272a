// Counters per device id and per address: one device's failures never lock out another. A success clears
// the device's counter, not the address's. Attempts in flight use the budget and wait (bounded), so
// parallel guesses cannot slip past the counter.
import type { LockoutConfig } from './types.js';
import type { Clock } from './ports.js';

export interface LockoutKeys {
  device?: string | undefined;
  address?: string | undefined;
}

export interface LockoutVerdict {
  locked: boolean;
  /** How long to wait before checking the credential (0 = no wait). */
  delayMs: number;
}

/** Longest an attempt waits for an in-flight one of the same key to settle. */
const MAX_WAIT_MS = 10_000;
/** Attempts that may wait on one key; more are refused at once (memory stays bounded). */
const MAX_WAITERS_PER_KEY = 10_000;

interface Entry {
  /** Failure times (ms), oldest first, at most `lockAfter` kept. */
  failures: number[];
  lockedUntil: number;
}

/** One table of failure counters (one for device ids, one for addresses). */
class FailureTable {
  private readonly entries = new Map<string, Entry>();
  /** Attempts in flight per key; a key is present only while it has some. */
  private readonly pending = new Map<string, number>();
  /** Wake-ups of attempts waiting for an in-flight one of the key to settle, oldest first. */
  private readonly waiters = new Map<string, Set<() => void>>();
  constructor(
    private readonly config: LockoutConfig,
    private readonly clock: Clock,
  ) {}

  /** Failures outside the window dropped; an expired lock is forgotten with them. */
  private current(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.lockedUntil !== 0 && entry.lockedUntil <= now) {
      this.entries.delete(key);
      return undefined;
    }
    const horizon = now - this.config.windowSeconds * 1000;
    while (entry.failures.length > 0 && entry.failures[0]! <= horizon) entry.failures.shift();
    return entry;
  }

  /** The verdict of the recorded failures, and whether one more attempt fits in the in-flight budget. */
  verdict(key: string): LockoutVerdict & { full: boolean } {
    const now = this.clock.now();
    const entry = this.current(key, now);
    if (entry && entry.lockedUntil > now) return { locked: true, delayMs: 0, full: false };
    const failures = entry?.failures.length ?? 0;
    if (failures >= this.config.lockAfter) return { locked: true, delayMs: 0, full: false };
    const full = failures + (this.pending.get(key) ?? 0) >= this.config.lockAfter;
    const over = failures - this.config.slowAfter;
    if (over < 0) return { locked: false, delayMs: 0, full };
    return { locked: false, delayMs: Math.min(this.config.baseDelayMs * 2 ** over, this.config.maxDelayMs), full };
  }

  track(key: string, step: 1 | -1): void {
    const count = (this.pending.get(key) ?? 0) + step;
    if (count > 0) this.pending.set(key, count);
    else this.pending.delete(key);
    if (step === -1) this.wake(key);
  }

  /** Resolves when an in-flight attempt of `key` settles; false when there are too many waiters already. */
  waitForSettle(key: string, timeoutMs: number): Promise<boolean> | false {
    const queue = this.waiters.get(key) ?? new Set<() => void>();
    if (queue.size >= MAX_WAITERS_PER_KEY) return false;
    this.waiters.set(key, queue);
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(), timeoutMs);
      const settle = () => {
        clearTimeout(timer);
        queue.delete(settle);
        if (queue.size === 0 && this.waiters.get(key) === queue) this.waiters.delete(key);
        resolve(true);
      };
      queue.add(settle);
    });
  }

  private wake(key: string): void {
    const queue = this.waiters.get(key);
    if (!queue) return;
    const now = this.verdict(key);
    const failures = this.entries.get(key)?.failures.length ?? 0;
    // Locked: everyone hears it now. Otherwise the first `free` re-check and take the places.
    let free = now.locked ? queue.size : this.config.lockAfter - failures - (this.pending.get(key) ?? 0);
    for (const settle of queue) {
      if (free-- <= 0) break;
      settle();
    }
  }

  fail(key: string): void {
    const now = this.clock.now();
    const entry = this.current(key, now) ?? { failures: [], lockedUntil: 0 };
    entry.failures.push(now);
    if (entry.failures.length > this.config.lockAfter) entry.failures.shift();
    if (entry.failures.length >= this.config.lockAfter) entry.lockedUntil = now + this.config.lockSeconds * 1000;
    // Re-insert so Map order is least recently failed first, then evict from the front.
    this.entries.delete(key);
    this.entries.set(key, entry);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.config.maxTrackedKeys) break;
      this.entries.delete(oldest);
    }
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  lockedCount(): number {
    const now = this.clock.now();
    let count = 0;
    for (const entry of this.entries.values()) if (entry.lockedUntil > now) count++;
    return count;
  }
}

export class Lockout {
  private readonly devices: FailureTable;
  private readonly addresses: FailureTable;

  constructor(config: LockoutConfig, clock: Clock) {
    this.devices = new FailureTable(config, clock);
    this.addresses = new FailureTable(config, clock);
  }

  /** Waits (bounded) while the in-flight budget is used; unless locked, the caller must call `end(keys)` once. */
  async begin(keys: LockoutKeys): Promise<LockoutVerdict> {
    // Waiting is real time whatever clock judges the failure window.
    const deadline = Date.now() + MAX_WAIT_MS;
    for (;;) {
      const device = keys.device === undefined ? undefined : this.devices.verdict(keys.device);
      const address = keys.address === undefined ? undefined : this.addresses.verdict(keys.address);
      if (device?.locked || address?.locked) return { locked: true, delayMs: 0 };
      const busy = device?.full ? this.devices.waitForSettle(keys.device!, deadline - Date.now())
        : address?.full ? this.addresses.waitForSettle(keys.address!, deadline - Date.now())
        : undefined;
      if (busy === undefined) {
        this.track(keys, 1);
        return { locked: false, delayMs: Math.max(device?.delayMs ?? 0, address?.delayMs ?? 0) };
      }
      if (busy === false || Date.now() >= deadline) return { locked: true, delayMs: 0 };
      await busy;
    }
  }

  /** Is either key locked? For an attempt that cannot be a guess, which skips the in-flight budget. */
  isLocked(keys: LockoutKeys): boolean {
    return (keys.device !== undefined && this.devices.verdict(keys.device).locked) ||
      (keys.address !== undefined && this.addresses.verdict(keys.address).locked);
  }

  end(keys: LockoutKeys): void {
    this.track(keys, -1);
  }

  private track(keys: LockoutKeys, step: 1 | -1): void {
    if (keys.device !== undefined) this.devices.track(keys.device, step);
    if (keys.address !== undefined) this.addresses.track(keys.address, step);
  }

  recordFailure(keys: LockoutKeys): void {
    if (keys.device !== undefined) this.devices.fail(keys.device);
    if (keys.address !== undefined) this.addresses.fail(keys.address);
  }

  recordSuccess(deviceId: string): void {
    this.devices.reset(deviceId);
  }

  stats(): { lockedDevices: number; lockedAddresses: number } {
    return { lockedDevices: this.devices.lockedCount(), lockedAddresses: this.addresses.lockedCount() };
  }
}
