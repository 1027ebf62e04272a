/**
 * The house's walls, checked: the decision core stays pure, the broker knows only its Authorizer port,
 * the adapters use the core's public face only, and SQLite stays inside the store.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sourceFiles } from '../source-files.js';

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
  assert.deepEqual(violations(sourceFiles('verifier/core'), allowed), []);
  const env = sourceFiles('verifier/core').filter((f) => readFileSync(f, 'utf8').includes('process.env'));
  assert.deepEqual(env, []);
});

test('the broker imports nothing from verifier/', () => {
  const allowed = (s: string) => !s.includes('verifier/');
  assert.deepEqual(violations(sourceFiles('broker'), allowed), []);
});

test('nothing imports runtime/ or scripts/', () => {
  const parts = ['logging', 'rules', 'schemas', 'verifier', 'broker', 'broker-adapters', 'runtime', 'scripts'];
  const files = parts.flatMap((part) => sourceFiles(part));
  const allowed = (s: string, file: string) => {
    const part = file.split('/')[0];
    return !/(^|\/)(runtime|scripts)\//.test(s) || (s.startsWith('./') && (part === 'runtime' || part === 'scripts'));
  };
  assert.deepEqual(violations(files, allowed), []);
});

test('logging/ depends on nothing of ours but itself', () => {
  const allowed = (s: string) => s === 'pino' || s.startsWith('node:') || s.startsWith('./');
  assert.deepEqual(violations(sourceFiles('logging'), allowed), []);
});

test("the adapters reach the verifier only through the core's public face", () => {
  const allowed = (s: string) => !s.includes('verifier/') || /verifier\/core\/(index|types)\.js$/.test(s);
  assert.deepEqual(violations(sourceFiles('broker-adapters'), allowed), []);
});

// Two stores, two files: the verifier's registry, and the broker's own store of what it acknowledged
// (sessions, queued messages, retained), which must survive kill -9 without asking the verifier.
test("only the verifier's store and the broker's persistence import better-sqlite3", () => {
  const parts = ['verifier', 'broker', 'broker-adapters', 'schemas', 'logging', 'runtime'];
  const files = parts.flatMap((part) => sourceFiles(part));
  const owners = [join('verifier', 'store'), join('broker', 'persistence')];
  const allowed = (s: string, file: string) => s !== 'better-sqlite3' || owners.some((owner) => file.startsWith(owner));
  assert.deepEqual(violations(files, allowed), []);
});

test('schemas/ depends on nothing of ours but itself and rules/', () => {
  const allowed = (s: string) => s === 'zod' || s.startsWith('./') || s === '../rules/index.js';
  assert.deepEqual(violations(sourceFiles('schemas'), allowed), []);
});

test('rules/ is a leaf: it imports nothing but itself', () => {
  assert.deepEqual(violations(sourceFiles('rules'), (s) => s.startsWith('./')), []);
});

test("other parts reach rules/ only through its index", () => {
  const parts = ['schemas', 'verifier', 'broker', 'broker-adapters'].flatMap((part) => sourceFiles(part));
  const allowed = (s: string) => !/(^|\/)rules\//.test(s) || s.endsWith('rules/index.js');
  assert.deepEqual(violations(parts, allowed), []);
});
