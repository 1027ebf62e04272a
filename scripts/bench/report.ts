/** Each benchmark owns its `<!-- bench:NAME -->` section of `BENCHMARKS.md` and replaces only that. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { TargetName } from './targets.js';

export function sectionMarkers(name: string): { start: string; end: string } {
  return { start: `<!-- bench:${name} -->`, end: `<!-- /bench:${name} -->` };
}

const BROKER = sectionMarkers('broker');

export interface Metric {
  label: string;
  unit: string;
  /** Higher is better (throughput) or lower is better (latency, memory). */
  better: 'higher' | 'lower';
  goal?: string;
  values: Partial<Record<TargetName, number>>;
}

function fmt(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return 'n/a';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(2);
}

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !b || Number.isNaN(a) || Number.isNaN(b)) return 'n/a';
  return `${(a / b).toFixed(2)}x`;
}

export function renderSection(metrics: Metric[], notes: string[]): string {
  const rows = metrics.map((m) => {
    const v = m.values;
    return `| ${m.label} (${m.unit}, ${m.better} is better) | ${fmt(v.ours)} | ${fmt(v.mosquitto)} | ${fmt(v.aedes)} | ${ratio(v.ours, v.mosquitto)} | ${ratio(v.ours, v.aedes)} | ${m.goal ?? ''} |`;
  });
  return [
    BROKER.start,
    '## Bundled broker vs Mosquitto and Aedes (`npm run bench:broker`)',
    '',
    '| metric | ours | mosquitto | aedes | ours/mosquitto | ours/aedes | goal |',
    '|---|---:|---:|---:|---:|---:|---|',
    ...rows,
    '',
    ...notes.map((n) => `- ${n}`),
    BROKER.end,
  ].join('\n');
}

/** Replaces section `name` (or appends it); the other sections are left exactly as they are. */
export function writeSection(path: string, name: string, section: string): void {
  const { start: startMarker, end: endMarker } = sectionMarkers(name);
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const start = current.indexOf(startMarker);
  const end = current.indexOf(endMarker);
  const next = start !== -1 && end > start
    ? current.slice(0, start) + section + current.slice(end + endMarker.length)
    : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, next);
}
