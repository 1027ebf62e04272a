#!/usr/bin/env node
// tsc emits only JavaScript: copy the files the built code reads at run time (SQL migrations) beside it.
import { cpSync, readdirSync } from 'node:fs';

const assets = [['verifier/store/migrations', 'dist/verifier/store/migrations', /\.sql$/]];
for (const [from, to, pattern] of assets) {
  for (const name of readdirSync(from).filter((n) => pattern.test(n))) cpSync(`${from}/${name}`, `${to}/${name}`);
}
