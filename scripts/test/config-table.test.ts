/** The README's configuration table is complete and current: every variable the code reads is in it. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { sourceFiles } from '../source-files.js';
import { configRows, readmeWithTable } from '../config-table.js';

test('the README configuration table is the generated one (run `npx tsx scripts/config-table.ts --write`)', () => {
  const readme = readFileSync('README.md', 'utf8');
  assert.equal(readme, readmeWithTable(readme));
});

test('every ARRA_ variable the verifier, broker, adapters, CLI and npm start read is documented', () => {
  const documented = new Set(configRows().map((r) => r.name));
  const files = [...sourceFiles('verifier'), ...sourceFiles('broker'), ...sourceFiles('broker-adapters'), ...sourceFiles('runtime')];
  const read = new Set(files.flatMap((f) => readFileSync(f, 'utf8').match(/ARRA_[A-Z_]+[A-Z]/g) ?? []));
  const missing = [...read].filter((name) => !documented.has(name));
  assert.deepEqual(missing, []);
});
