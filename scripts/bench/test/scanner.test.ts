/**
 * The load generator's frame scanner finds every frame whatever way the bytes are split, including
 * multi-byte remaining lengths, so the benchmark counts exactly what the broker delivered.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqttPacket from 'mqtt-packet';
import { FrameScanner } from '../scanner.js';

const frames = [
  mqttPacket.generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }),
  mqttPacket.generate({ cmd: 'publish', topic: 'a/b', payload: Buffer.alloc(64, 1), qos: 0, retain: false, dup: false }),
  mqttPacket.generate({ cmd: 'publish', topic: 'big', payload: Buffer.alloc(20_000, 2), qos: 1, messageId: 7, retain: false, dup: false }),
  mqttPacket.generate({ cmd: 'puback', messageId: 9 }),
];
const stream = Buffer.concat(frames);

function scan(chunks: Buffer[]) {
  const seen: Array<{ type: number; length: number; bodyStart: number }> = [];
  const scanner = new FrameScanner((type, frame, bodyStart) => seen.push({ type, length: frame.length, bodyStart }));
  for (const chunk of chunks) scanner.push(chunk);
  return seen;
}

const expected = [
  { type: 2, length: frames[0]!.length, bodyStart: 2 },
  { type: 3, length: frames[1]!.length, bodyStart: 2 },
  { type: 3, length: frames[2]!.length, bodyStart: 4 },
  { type: 4, length: frames[3]!.length, bodyStart: 2 },
];

test('frames in one chunk are all found, with their body offsets', () => {
  assert.deepEqual(scan([stream]), expected);
});

test('frames split at every byte boundary are found exactly once', () => {
  const bytes = [...stream].map((b) => Buffer.from([b]));
  assert.deepEqual(scan(bytes), expected);
});

test('a split inside a multi-byte remaining length waits for the rest', () => {
  const cut = frames[0]!.length + frames[1]!.length + 2; // inside the 20 kB publish's length bytes
  assert.deepEqual(scan([stream.subarray(0, cut), stream.subarray(cut)]), expected);
});
