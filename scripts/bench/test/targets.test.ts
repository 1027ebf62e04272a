/**
 * `bench:broker` measures the broker as it ships: the Node flags of its `ours` target are those of
 * `npm start`, and the LXC broker unit starts Node with the same ones; the storm's verifier alone
 * runs with the flags of the LXC verifier unit.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { VERIFIER_ALONE_FLAGS, shippedNodeFlags } from '../targets.js';

function unitNodeFlags(unit: string): string[] {
  const text = readFileSync(new URL(`../../../lxc/units/${unit}`, import.meta.url), 'utf8');
  const execStart = text.split('\n').find((line) => line.startsWith('ExecStart='))!;
  return execStart.split(/\s+/).slice(1).filter((w) => w.startsWith('--'));
}

test('the LXC broker unit runs Node with the flags npm start uses and the benchmark measures', () => {
  const flags = shippedNodeFlags();
  assert.ok(flags.length > 0, 'npm start passes Node flags');
  assert.deepEqual(unitNodeFlags('arra-mq-broker.service'), flags);
});

test('the storm\'s verifier alone runs Node with the flags of the LXC verifier unit', () => {
  assert.deepEqual(unitNodeFlags('arra-mq-verifier.service'), VERIFIER_ALONE_FLAGS);
});
