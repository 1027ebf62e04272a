/**
 * The broker's layers, read from its imports (type-only ones included): state < routing/session/clients <
 * handlers < connection < broker, data structures below them all, and no import cycle anywhere.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const BROKER = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Lowest first; a file may import files of its own layer or a lower one, never a higher one. */
const LAYERS: Array<(file: string) => boolean> = [
  (f) => f === 'state.ts',
  (f) => f.startsWith('session/') || f === 'routing/router.ts' || f === 'clients.ts',
  (f) => f.startsWith('handlers/'),
  (f) => f === 'connection.ts',
  (f) => f === 'broker.ts',
];

function brokerFiles(dir = BROKER, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'test') brokerFiles(path, out);
    } else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(relative(BROKER, path).split('\\').join('/'));
  }
  return out;
}

/** The broker files a file imports or re-exports, by path relative to `broker/`. */
function localImports(file: string): string[] {
  const source = readFileSync(join(BROKER, file), 'utf8');
  const specifiers = [...source.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/gm)].map((m) => m[1]!);
  return specifiers
    .map((s) => relative(BROKER, resolve(BROKER, dirname(file), s)).split('\\').join('/').replace(/\.js$/, '.ts'))
    .filter((path) => !path.startsWith('..'));
}

const graph = new Map(brokerFiles().map((file) => [file, localImports(file)]));

/** Files of no layer that a layered file reaches: data structures and ports, below every layer. */
function base(): Set<string> {
  const reached = new Set<string>();
  const reach = (file: string) => {
    for (const target of graph.get(file) ?? []) {
      if (reached.has(target) || LAYERS.some((inLayer) => inLayer(target))) continue;
      reached.add(target);
      reach(target);
    }
  };
  for (const file of graph.keys()) if (LAYERS.some((inLayer) => inLayer(file))) reach(file);
  return reached;
}

/** Layer index; -1 below every layer, Infinity outside the engine (listeners, authorizers, the composition). */
function layerOf(file: string, below: Set<string>): number {
  const index = LAYERS.findIndex((inLayer) => inLayer(file));
  if (index >= 0) return index;
  return below.has(file) ? -1 : Infinity;
}

test('no broker file imports one of a higher layer, and the layered files exist', () => {
  const below = base();
  for (const inLayer of LAYERS) assert.ok([...graph.keys()].some(inLayer), `a layer matches no file: ${inLayer.toString()}`);
  const upward = [...graph].flatMap(([file, imports]) =>
    imports.filter((target) => layerOf(target, below) > layerOf(file, below)).map((target) => `${file} imports ${target}`),
  );
  assert.deepEqual(upward, []);
});

test('the broker has no import cycle', () => {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '));
      return;
    }
    state.set(file, 'open');
    for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of graph.keys()) visit(file, []);
  assert.deepEqual(cycles, []);
});
