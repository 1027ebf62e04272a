#!/usr/bin/env node
// Node 20's --test does not expand globs: find every *.test.ts under the parts and hand them to the runner.
import { readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = ['console', 'logging', 'rules', 'runtime', 'schemas', 'verifier', 'broker', 'broker-adapters', 'scripts', 'lxc', 'reliability'];
const skip = new Set(['node_modules', 'dist', 'data']);

function collect(dir, out) {
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries) {
    if (skip.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

// The convention (README "Tests"): a test lives in the test/ folder of the folder it proves; reliability/
// is a part made of tests.
const all = roots.flatMap((root) => collect(root, []));
const misplaced = all.filter((f) => !f.startsWith(`reliability${sep}`) && !f.split(sep).includes('test'));
if (misplaced.length > 0) {
  console.error(`tests outside a test/ folder (move each into the test/ folder of what it proves):\n  ${misplaced.join('\n  ')}`);
  process.exit(1);
}

const filter = process.argv[2];
const files = all.filter((f) => !filter || f.includes(filter)).sort();
if (files.length === 0) {
  console.error(`no test files${filter ? ` matching ${filter}` : ''}`);
  process.exit(1);
}
// Node 20 applies --test-timeout to each test file as a whole too. lxc/test/lxc-deploy.test.ts builds a
// release, creates a container and updates it (3-5 minutes on an idle 2-core machine, over 10 when it
// is shared), so the cap is 15 minutes; every other test keeps its own, shorter timeout.
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=900000', ...files];
const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(result.status ?? 1);
