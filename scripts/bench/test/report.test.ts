/**
 * Each benchmark rewrites only its own `BENCHMARKS.md` section, so the broker and verifier
 * benchmarks can run in any order without erasing each other's results.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sectionMarkers, writeSection } from '../report.js';

function section(name: string, body: string): string {
  const { start, end } = sectionMarkers(name);
  return `${start}\n${body}\n${end}`;
}

test('a section is replaced in place and the other sections are left byte for byte', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'arra-bench-report-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'BENCHMARKS.md');
  writeFileSync(path, `# Benchmarks\n\n${section('broker', 'old broker')}\n\n${section('verifier', 'verifier numbers')}\n`);
  writeSection(path, 'broker', section('broker', 'new broker'));
  assert.equal(readFileSync(path, 'utf8'), `# Benchmarks\n\n${section('broker', 'new broker')}\n\n${section('verifier', 'verifier numbers')}\n`);
  writeSection(path, 'verifier', section('verifier', 'new verifier'));
  assert.equal(readFileSync(path, 'utf8'), `# Benchmarks\n\n${section('broker', 'new broker')}\n\n${section('verifier', 'new verifier')}\n`);
});

test('a section the file does not have yet is appended, and a missing file is created', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'arra-bench-report-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'BENCHMARKS.md');
  writeSection(path, 'verifier', section('verifier', 'v'));
  assert.equal(readFileSync(path, 'utf8'), `# Benchmarks\n\n${section('verifier', 'v')}\n`);
  writeSection(path, 'broker', section('broker', 'b'));
  assert.equal(readFileSync(path, 'utf8'), `# Benchmarks\n\n${section('verifier', 'v')}\n\n${section('broker', 'b')}\n`);
});
