/**
 * Counter and histogram for the brokers' hot path: prom-client hashes the label set on every event; here
 * a series is one small map per label away. They answer a prom-client `Registry` as its own metrics do.
 */
import type { Metric, Registry } from 'prom-client';

interface ExportedValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

interface MetricOptions<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  registry: Registry;
}

type Labels<L extends string> = Record<L, string>;
type LabelValue = string | number;
/** One level per label name; the last level holds the series. */
type SeriesTree<S> = Map<LabelValue, SeriesTree<S> | S>;

abstract class SeriesMetric<L extends string, S> {
  readonly name: string;
  readonly help: string;
  readonly aggregator = 'sum';
  abstract readonly type: 'counter' | 'histogram';
  readonly #labelNames: readonly L[];
  readonly #tree: SeriesTree<S> = new Map();
  readonly #all: Array<{ labels: Labels<L>; series: S }> = [];

  constructor(options: MetricOptions<L>) {
    this.name = options.name;
    this.help = options.help;
    this.#labelNames = options.labelNames;
    options.registry.registerMetric(this as unknown as Metric);
  }

  series(...values: LabelValue[]): S {
    let level = this.#tree;
    const last = this.#labelNames.length - 1;
    for (let i = 0; i < last; i++) {
      let next = level.get(values[i]!) as SeriesTree<S> | undefined;
      if (!next) level.set(values[i]!, (next = new Map()));
      level = next;
    }
    const found = level.get(values[last]!) as S | undefined;
    return found ?? this.add(level, values);
  }

  private add(level: SeriesTree<S>, values: LabelValue[]): S {
    const labels = Object.fromEntries(this.#labelNames.map((name, i) => [name, String(values[i] ?? '')])) as Labels<L>;
    const series = this.create();
    level.set(values[this.#labelNames.length - 1]!, series);
    this.#all.push({ labels, series });
    return series;
  }

  /** prom-client's metric protocol: read by `Registry.metrics()` on every scrape. */
  get(): { name: string; help: string; type: string; aggregator: string; values: ExportedValue[] } {
    const values = this.#all.flatMap(({ labels, series }) => this.export(labels, series));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.#tree.clear();
    this.#all.length = 0;
  }

  protected abstract create(): S;
  protected abstract export(labels: Labels<L>, series: S): ExportedValue[];
}

export interface CounterSeries {
  inc(): void;
}

export class SeriesCounter<L extends string> extends SeriesMetric<L, { value: number } & CounterSeries> {
  readonly type = 'counter';

  protected create() {
    return {
      value: 0,
      inc() {
        this.value++;
      },
    };
  }

  protected export(labels: Labels<L>, series: { value: number }): ExportedValue[] {
    return [{ labels, value: series.value }];
  }
}

export interface HistogramSeries {
  observe(value: number): void;
}

class Buckets implements HistogramSeries {
  /** counts[i]: observations in (bounds[i-1], bounds[i]]; the last slot is above every bound (+Inf). */
  readonly counts: Float64Array;
  sum = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
  }
}

export class SeriesHistogram<L extends string> extends SeriesMetric<L, Buckets> {
  readonly type = 'histogram';
  readonly #bounds: readonly number[];

  constructor(options: MetricOptions<L> & { buckets: readonly number[] }) {
    super(options);
    this.#bounds = [...options.buckets].sort((a, b) => a - b);
  }

  protected create(): Buckets {
    return new Buckets(this.#bounds);
  }

  /** Cumulative `_bucket` lines by `le` (ending with +Inf), then `_sum` and `_count`, as Prometheus reads them. */
  protected export(labels: Labels<L>, series: Buckets): ExportedValue[] {
    let cumulative = 0;
    const buckets = [...this.#bounds, '+Inf' as const].map((le, i) => {
      cumulative += series.counts[i]!;
      return { labels: { le, ...labels }, value: cumulative, metricName: `${this.name}_bucket` };
    });
    return [
      ...buckets,
      { labels, value: series.sum, metricName: `${this.name}_sum` },
      { labels, value: cumulative, metricName: `${this.name}_count` },
    ];
  }
}
