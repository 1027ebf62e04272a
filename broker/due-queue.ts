// Items that all wait the same time fall due in the order they were added: one Map (insertion order)
// and one timer serve them all, where a timer per connection cost more than the work it guarded.

export class DueQueue<T> {
  private readonly due = new Map<T, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly delayMs: number,
    private readonly onDue: (item: T) => void,
    private readonly options: { unref?: boolean; now?: () => number } = {},
  ) {}

  get size(): number {
    return this.due.size;
  }

  /** Falls due `delayMs` from now, unless deleted first; an item already waiting keeps its time. */
  add(item: T): void {
    if (this.due.has(item)) return;
    this.due.set(item, this.now() + this.delayMs);
    this.timer ??= this.arm(this.delayMs);
  }

  /** True when the item was waiting (it will not fall due). */
  delete(item: T): boolean {
    return this.due.delete(item);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private arm(delayMs: number): NodeJS.Timeout {
    const timer = setTimeout(() => this.expire(), Math.max(0, delayMs));
    if (this.options.unref) timer.unref();
    return timer;
  }

  private expire(): void {
    this.timer = null;
    const now = this.now();
    for (const [item, at] of this.due) {
      if (at > now) {
        this.timer = this.arm(at - now);
        return;
      }
      this.due.delete(item);
      this.onDue(item);
    }
  }
}
