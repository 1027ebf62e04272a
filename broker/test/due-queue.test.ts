/** Items waiting the same time fall due in the order added, from one timer; a deleted item never does. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DueQueue } from '../due-queue.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('items fall due in the order added, each no earlier than its delay, and deleted ones never', async () => {
  const due: Array<[string, number]> = [];
  const started = Date.now();
  const queue = new DueQueue<string>(100, (item) => due.push([item, Date.now() - started]));
  queue.add('a');
  queue.add('b');
  assert.equal(queue.delete('b'), true);
  await sleep(40);
  queue.add('c');
  queue.add('a'); // already waiting: keeps its time
  assert.equal(queue.size, 2);
  await sleep(250);
  assert.deepEqual(due.map(([item]) => item), ['a', 'c']);
  assert.ok(due[0]![1] >= 95 && due[1]![1] >= 135, `due at ${due[0]![1]} ms and ${due[1]![1]} ms`);
  assert.equal(queue.size, 0);
  assert.equal(queue.delete('a'), false);
});

test('an item added after the queue emptied falls due again', async () => {
  const due: string[] = [];
  const queue = new DueQueue<string>(20, (item) => due.push(item));
  queue.add('first');
  await sleep(60);
  queue.add('second');
  await sleep(60);
  assert.deepEqual(due, ['first', 'second']);
});
