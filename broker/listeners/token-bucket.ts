// Connect-rate token buckets (one second of burst, refilled continuously).
export class TokenBucket {
  #tokens: number;
  #updatedAt: number;

  constructor(
    private readonly rate: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#tokens = rate;
    this.#updatedAt = now();
  }

  take(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** True once the bucket has refilled completely, so a per-address entry can be forgotten. */
  isFull(): boolean {
    this.#refill();
    return this.#tokens >= this.rate;
  }

  #refill(): void {
    const t = this.now();
    this.#tokens = Math.min(this.rate, this.#tokens + ((t - this.#updatedAt) / 1000) * this.rate);
    this.#updatedAt = t;
  }
}

/** Full buckets are swept, so a scan from many addresses cannot grow the map without bound. */
export class KeyedTokenBuckets {
  readonly #buckets = new Map<string, TokenBucket>();
  #lastSweep: number;

  constructor(
    private readonly rate: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#lastSweep = now();
  }

  take(key: string): boolean {
    this.#sweepEverySecond();
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.rate, this.now);
      this.#buckets.set(key, bucket);
    }
    return bucket.take();
  }

  get size(): number {
    return this.#buckets.size;
  }

  #sweepEverySecond(): void {
    const t = this.now();
    if (t - this.#lastSweep < 1000) return;
    this.#lastSweep = t;
    for (const [key, bucket] of this.#buckets) if (bucket.isFull()) this.#buckets.delete(key);
  }
}
