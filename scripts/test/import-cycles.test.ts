/**
 * What the lint walls cannot see: a loop of imports (type-only ones included) between modules, which
 * would hide the layers the README's picture shows.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { sourceFiles } from '../source-files.js';

const PARTS = ['logging', 'rules', 'schemas', 'verifier', 'broker', 'broker-adapters', 'runtime'];

/** The modules a file imports or re-exports by a relative specifier, as repository paths. */
function localImports(file: string): string[] {
  const specifiers = [...readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/gm)].map((m) => m[1]!);
  return specifiers.map((s) => join(dirname(file), s.replace(/\.js$/, '.ts'))).filter((path) => existsSync(path));
}

/** One loop in the graph, as the path that closes it, or undefined. */
function findLoop(graph: Map<string, string[]>): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (file: string): string[] | undefined => {
    const open = path.indexOf(file);
    if (open !== -1) return [...path.slice(open), file];
    if (done.has(file)) return undefined;
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      const loop = visit(next);
      if (loop) return loop;
    }
    path.pop();
    done.add(file);
    return undefined;
  };
  for (const file of graph.keys()) {
    const loop = visit(file);
    if (loop) return loop;
  }
  return undefined;
}

test('no module imports itself back through others', () => {
  const graph = new Map(PARTS.flatMap((part) => sourceFiles(part)).map((file) => [file, localImports(file)] as const));
  assert.ok(graph.size > 100, `read ${graph.size} modules`);
  assert.equal(findLoop(graph)?.join(' -> '), undefined);
});

test('a loop is found when there is one', () => {
  const graph = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', []]]);
  assert.deepEqual(findLoop(graph), ['a.ts', 'b.ts', 'c.ts', 'a.ts']);
  assert.equal(findLoop(new Map([['a.ts', ['b.ts']], ['b.ts', []]])), undefined);
});
