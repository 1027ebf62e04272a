/**
 * The hot-path counter and histogram render exactly as prom-client's own Counter and Histogram do for
 * the same events, so swapping them changed no line of `/metrics`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { SeriesCounter, SeriesHistogram } from '../series-metrics.js';

const BUCKETS = [0.001, 0.01, 0.1, 1];
const OBSERVATIONS: Array<[string, string, number]> = [
  ['GET', '200', 0.0005],
  ['GET', '200', 0.001],
  ['GET', '200', 0.05],
  ['POST', '403', 2],
  ['GET', '200', 0.2],
  ['POST', '503', 0.01],
];

test('a SeriesHistogram renders the same exposition text as a prom-client Histogram', async () => {
  const ours = new Registry();
  const theirs = new Registry();
  const options = { name: 'h_seconds', help: 'a histogram', labelNames: ['method', 'status'] as const };
  const histogram = new SeriesHistogram({ ...options, buckets: BUCKETS, registry: ours });
  const reference = new Histogram({ ...options, buckets: BUCKETS, registers: [theirs] });
  for (const [method, status, value] of OBSERVATIONS) {
    histogram.series(method, Number(status)).observe(value);
    reference.observe({ method, status }, value);
  }
  assert.equal(await ours.metrics(), await theirs.metrics());
});

test('a SeriesCounter renders the same exposition text as a prom-client Counter', async () => {
  const ours = new Registry();
  const theirs = new Registry();
  const options = { name: 'c_total', help: 'a counter', labelNames: ['kind', 'reason'] as const };
  const counter = new SeriesCounter({ ...options, registry: ours });
  const reference = new Counter({ ...options, registers: [theirs] });
  for (const [kind, reason] of [['a', ''], ['a', 'x'], ['b', 'x'], ['a', 'x']]) {
    counter.series(kind!, reason!).inc();
    reference.inc({ kind, reason });
  }
  assert.equal(await ours.metrics(), await theirs.metrics());
});

test('reset empties every series', async () => {
  const registry = new Registry();
  const counter = new SeriesCounter({ name: 'r_total', help: 'h', labelNames: ['k'] as const, registry });
  counter.series('a').inc();
  registry.resetMetrics();
  assert.doesNotMatch(await registry.metrics(), /r_total\{/);
  counter.series('a').inc();
  assert.match(await registry.metrics(), /r_total\{k="a"\} 1/);
});
