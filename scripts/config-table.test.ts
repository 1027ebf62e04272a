/** The README's configuration table is complete and current: every variable the code reads is in it. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { configRows, readmeWithTable } from './config-table.js';

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'test' && name !== 'node_modules') sources(path, out);
    } else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

test('the README configuration table is the generated one (run `npx tsx scripts/config-table.ts --write`)', () => {
  const readme = readFileSync('README.md', 'utf8');
  assert.equal(readme, readmeWithTable(readme));
});

test('every ARRA_ variable the verifier, broker, adapters, CLI and npm start read is documented', () => {
  const documented = new Set(configRows().map((r) => r.name));
  const files = [...sources('verifier'), ...sources('broker'), ...sources('broker-adapters'), 'scripts/start.ts'];
  const read = new Set(files.flatMap((f) => readFileSync(f, 'utf8').match(/ARRA_[A-Z_]+[A-Z]/g) ?? []));
  const missing = [...read].filter((name) => !documented.has(name));
  assert.deepEqual(missing, []);
});
