import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFilter } from '../index.js';

test('a plain filter parses to itself, an invalid one to null', () => {
  assert.deepEqual(parseFilter('sensors/+/temp'), { filter: 'sensors/+/temp' });
  assert.equal(parseFilter('sensors/#/temp'), null);
});

test('a shared subscription splits into its ShareName and filter [MQTT-4.8.2]', () => {
  assert.deepEqual(parseFilter('$share/g1/sensors/#'), { filter: 'sensors/#', group: 'g1' });
});

test('a ShareName that is empty, holds a wildcard or has no filter after it is refused', () => {
  for (const raw of ['$share//a', '$share/g+/a', '$share/g#/a', '$share/g', '$share/g/', '$share/g/a/#/b']) {
    assert.equal(parseFilter(raw), null, raw);
  }
});
