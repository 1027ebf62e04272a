/**
 * `bench:broker` measures the broker as it ships: the Node flags of its `ours` target are those of
 * `npm start`, and the LXC broker unit starts Node with the same ones.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { shippedNodeFlags } from '../targets.js';

test('the LXC broker unit runs Node with the flags npm start uses and the benchmark measures', () => {
  const flags = shippedNodeFlags();
  assert.ok(flags.length > 0, 'npm start passes Node flags');
  const unit = readFileSync(new URL('../../../lxc/units/arra-mq-broker.service', import.meta.url), 'utf8');
  const execStart = unit.split('\n').find((line) => line.startsWith('ExecStart='))!;
  const words = execStart.split(/\s+/);
  assert.deepEqual(words.slice(1).filter((w) => w.startsWith('--')), flags);
});
