#!/usr/bin/env node
// The `arra-mq` command. An installed package runs the compiled CLI from dist/ (built by `npm run
// build`); a development checkout without a build runs the TypeScript source through tsx instead.
import { existsSync } from 'node:fs';

const built = new URL('../dist/runtime/cli.js', import.meta.url);
const source = new URL('../runtime/cli.ts', import.meta.url);

async function load() {
  if (existsSync(built)) return import(built.href);
  let tsImport;
  try {
    ({ tsImport } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write('arra-mq: dist/ is missing and tsx is not installed; run "npm run build" first\n');
    process.exit(1);
  }
  return tsImport(source.href, import.meta.url);
}

const cli = await load();
await cli.run();
