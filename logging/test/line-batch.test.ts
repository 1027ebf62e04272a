import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import { LineBatch } from '../line-batch.js';

function recorder() {
  const lines: Array<{ fields: Record<string, unknown>; message: string }> = [];
  return { lines, write: (fields: Record<string, unknown>, message: string) => lines.push({ fields, message }) };
}

test('entries are written as one line of all of them, at most maxEntries a line', () => {
  const log = recorder();
  const batch = new LineBatch<{ time: number; n: number }>(log.write, 'logins', { intervalMs: 60_000, maxEntries: 3 });
  for (let n = 0; n < 4; n++) batch.add({ time: n, n });
  assert.deepEqual(log.lines, [{ fields: { count: 3, entries: [0, 1, 2].map((n) => ({ time: n, n })) }, message: 'logins' }]);
  batch.flush();
  assert.deepEqual(log.lines[1], { fields: { count: 1, entries: [{ time: 3, n: 3 }] }, message: 'logins' });
  batch.flush();
  assert.equal(log.lines.length, 2, 'nothing gathered: no line');
});

test('an entry waits at most intervalMs for its line', async () => {
  const log = recorder();
  const batch = new LineBatch<{ time: number }>(log.write, 'logins', { intervalMs: 20 });
  batch.add({ time: 1 });
  assert.equal(log.lines.length, 0);
  for (let waited = 0; log.lines.length === 0 && waited < 5000; waited += 10) await delay(10);
  assert.deepEqual(log.lines, [{ fields: { count: 1, entries: [{ time: 1 }] }, message: 'logins' }]);
});

test('a line holds about maxBytes of entries; one larger entry is a line of its own', () => {
  const log = recorder();
  const batch = new LineBatch<{ time: number; id: string }>(log.write, 'logins', { intervalMs: 60_000, maxBytes: 100, sizeOf: (entry) => entry.id.length });
  for (const id of ['a'.repeat(40), 'b'.repeat(40), 'c'.repeat(40), 'd'.repeat(500), 'e']) batch.add({ time: 0, id });
  batch.flush();
  assert.deepEqual(log.lines.map((line) => (line.fields.entries as Array<{ id: string }>).map((entry) => entry.id[0]).join('')), ['ab', 'c', 'd', 'e']);
});
