/**
 * The house's walls, checked: the decision core stays pure, the broker knows only its Authorizer port,
 * the adapters use the core's public face only, and SQLite stays inside the store.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'test' && name !== 'node_modules') sources(path, out);
    } else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

/** Every module specifier a file imports or re-exports (type-only imports included). */
function importsOf(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1]!);
}

function violations(files: string[], allowed: (specifier: string, file: string) => boolean): string[] {
  return files.flatMap((file) => importsOf(file).filter((s) => !allowed(s, file)).map((s) => `${file} imports ${s}`));
}

test('the decision core imports only itself, schemas/, jose and node:crypto/timers (no HTTP, SQL or env)', () => {
  const pure = (s: string) => /^\.\.?\//.test(s) && !/\.\.\/(store|http|cli|ca)\//.test(s) && !s.startsWith('../../broker');
  const allowed = (s: string) => pure(s) || s === 'jose' || s === 'node:crypto' || s === 'node:timers/promises';
  assert.deepEqual(violations(sources('verifier/core'), allowed), []);
  const env = sources('verifier/core').filter((f) => readFileSync(f, 'utf8').includes('process.env'));
  assert.deepEqual(env, []);
});

test('the broker imports nothing from verifier/ but its composition root (main.ts)', () => {
  const allowed = (s: string, file: string) => !s.includes('verifier/') || file === join('broker', 'main.ts');
  assert.deepEqual(violations(sources('broker'), allowed), []);
});

test("the adapters reach the verifier only through the core's public face", () => {
  const allowed = (s: string) => !s.includes('verifier/') || /verifier\/core\/(index|types)\.js$/.test(s);
  assert.deepEqual(violations(sources('broker-adapters'), allowed), []);
});

test('only the store imports better-sqlite3', () => {
  const files = [...sources('verifier'), ...sources('broker'), ...sources('broker-adapters'), ...sources('schemas')];
  const allowed = (s: string, file: string) => s !== 'better-sqlite3' || file.startsWith(join('verifier', 'store'));
  assert.deepEqual(violations(files, allowed), []);
});

test('schemas/ depends on nothing of ours but itself', () => {
  const allowed = (s: string) => s === 'zod' || s.startsWith('./');
  assert.deepEqual(violations(sources('schemas'), allowed), []);
});
