// The house's walls as lint rules: each part imports only what the README's architecture picture shows.
// Specifiers are matched as written. Every cross-part import is relative, so the folder it reaches is a
// path segment of the specifier (`../../verifier/store/x.js`, `../store/x.js` inside verifier/).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const TESTS = ['**/test/**', '**/*.test.ts', 'reliability/**'];

/** A specifier that reaches into one of these folders (a path segment, at any depth). */
const into = (...folders) => `(^|/)(${folders.join('|')})/`;

const OURS = ['rules', 'schemas', 'logging', 'verifier', 'broker', 'broker-adapters'];
const others = (...allowed) => OURS.filter((part) => !allowed.includes(part));

const walls = [
  { part: 'rules', forbid: ['^(?!\\./|node:net$)'], why: 'rules/ is a leaf: it imports nothing but itself and node:net' },
  { part: 'logging', forbid: ['^(?!\\./|pino$|node:)'], why: 'logging/ is a leaf: pino and node: only' },
  { part: 'schemas', forbid: ['^(?!\\./|zod$|\\.\\./rules/index\\.js$)'], why: 'schemas/ holds the wire contracts: rules/ and zod only' },
  {
    part: 'verifier/core',
    forbid: [
      into(...others('rules', 'schemas', 'logging'), 'store', 'http', 'cli', 'ca', 'admin'),
      '(^|/)logging/(?!log-limiter\\.js$|line-batch\\.js$)',
      '^(?![./]|jose$|node:crypto$|node:timers/promises$)',
    ],
    why: "the decision core is pure: rules/, schemas/, logging's limiter and line batch, jose and node:crypto only (no store, HTTP, broker or env)",
  },
  {
    part: 'verifier/store',
    forbid: [into('http', 'cli', 'admin', 'broker', 'broker-adapters'), '^undici$'],
    why: 'the store reads and writes: no HTTP, admin use cases or broker',
  },
  {
    part: 'verifier/admin',
    forbid: [into('http', 'cli', 'broker', 'broker-adapters')],
    why: 'the admin use cases sit under HTTP: store, CA and core only',
  },
  {
    part: 'verifier/ca',
    forbid: [into('store', 'http', 'cli', 'admin', 'broker', 'broker-adapters')],
    why: 'the device CA makes certificates: the core and schemas/ only',
  },
  {
    part: 'verifier/cli',
    forbid: [into('rules', 'logging', 'broker', 'broker-adapters', 'core', 'store', 'http', 'ca', 'admin')],
    why: "the CLI is an HTTP client of the admin API: schemas/ only",
  },
  {
    part: 'broker-adapters',
    forbid: [into('broker'), '(^|/)verifier/(?!core/index\\.js$)'],
    why: "the adapters are dialects: the core's public entry, schemas/ and rules/ only, never the store",
  },
  {
    part: 'broker',
    forbid: [into('verifier', 'broker-adapters')],
    why: 'the broker knows its Authorizer port only: nothing from verifier/',
  },
];

const CORE_ENTRY = { regex: '(^|/)core/(?!index\\.js$)', message: 'the decision core is reached through verifier/core/index.js only' };

/** Whatever a part's own wall says: nothing imports runtime/ (composition roots) or scripts/ (tooling); rules/ and the core have one entry each. */
const EVERYWHERE = [
  { regex: into('runtime', 'scripts'), message: 'runtime/ and scripts/ are imported by nobody' },
  { regex: '(^|/)rules/(?!index\\.js$)', message: 'rules/ is reached through rules/index.js only' },
  CORE_ENTRY,
];

function wall({ part, forbid, why }) {
  return {
    files: [`${part}/**/*.ts`],
    ignores: TESTS,
    rules: { 'no-restricted-imports': ['error', { patterns: [...forbid.map((regex) => ({ regex, message: why })), ...EVERYWHERE] }] },
  };
}

/** A package that only its owning folders may import (the second rule instance keeps folders and packages apart). */
const OWNED = [
  // Two stores: the verifier's registry, and the broker's own file of what it acknowledged, which it
  // keeps without reaching into the verifier.
  { regex: '^(better-sqlite3|pg)$', owners: ['verifier/store', 'broker/persistence'], message: 'SQL lives in the stores only' },
  { regex: '^(fastify|@fastify/.*|fastify-type-provider-zod)$', owners: ['verifier/http', 'broker-adapters'], message: 'HTTP serving lives in verifier/http and the adapters' },
];

function packageOwners() {
  const owners = [...new Set(OWNED.flatMap((p) => p.owners))];
  const rule = (folder) => {
    const patterns = OWNED.filter((p) => !p.owners.includes(folder)).map(({ regex, message }) => ({ regex, message }));
    return { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] };
  };
  return [
    { files: ['**/*.ts'], ignores: [...TESTS, 'runtime/**', 'scripts/**'], rules: rule(undefined) },
    ...owners.map((folder) => ({ files: [`${folder}/**/*.ts`], ignores: TESTS, rules: rule(folder) })),
  ];
}

export default defineConfig(
  { ignores: ['node_modules/', 'dist/', 'data/', '.bench-build/', '.tmp/'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  tseslint.configs.recommended,
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: globals.node } },
  { files: ['console/assets/**/*.js'], languageOptions: { globals: globals.browser } },
  {
    rules: {
      // `_name` marks a parameter a signature requires, or a field left out of a rest copy.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['**/*.ts'],
    ignores: [...TESTS, 'runtime/**', 'scripts/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: EVERYWHERE }] },
  },
  {
    files: ['runtime/**/*.ts', 'scripts/**/*.ts'],
    ignores: TESTS,
    rules: { 'no-restricted-imports': ['error', { patterns: [CORE_ENTRY] }] },
  },
  ...walls.map((w) => wall(w)),
  ...packageOwners(),
  {
    files: ['verifier/core/**/*.ts'],
    ignores: TESTS,
    rules: { 'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'the core takes its settings from its caller' }] },
  },
);
