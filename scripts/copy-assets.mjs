#!/usr/bin/env node
// tsc emits only JavaScript: copy the files the built code reads at run time (SQL migrations) beside it.
// The output directory is `dist` unless named (the benchmark builds into `.bench-build`).
import { cpSync, readdirSync } from 'node:fs';

const out = process.argv[2] ?? 'dist';
const assets = [
  ['verifier/store/migrations', `${out}/verifier/store/migrations`, /\.sql$/],
  ['verifier/store/postgres/migrations', `${out}/verifier/store/postgres/migrations`, /\.sql$/],
];
for (const [from, to, pattern] of assets) {
  for (const name of readdirSync(from).filter((n) => pattern.test(n))) cpSync(`${from}/${name}`, `${to}/${name}`);
}
// The operator console's static files, served by console/serve.js from beside it.
cpSync('console/assets', `${out}/console/assets`, { recursive: true });
