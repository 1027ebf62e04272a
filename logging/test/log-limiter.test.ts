import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogLimiter } from '../log-limiter.js';

function recorder() {
  const lines: Array<{ fields: Record<string, unknown>; message: string }> = [];
  return { lines, write: (fields: Record<string, unknown>, message: string) => lines.push({ fields, message }) };
}

test('a few lines per client, message and reason per window, then one summary with the exact number left out', () => {
  const log = recorder();
  const limiter = new LogLimiter(log.write, { linesPerWindow: 3, windowMs: 60_000 });
  for (let i = 0; i < 20_000; i++) limiter.log('dev-1', { clientId: 'dev-1', topic: `t/${i}`, reason: 'acl_denied' }, 'publish refused');
  limiter.log('dev-1', { clientId: 'dev-1', reason: 'quota' }, 'subscribe refused');
  limiter.log('dev-2', { clientId: 'dev-2', reason: 'acl_denied' }, 'publish refused');
  limiter.log('dev-1', { clientId: 'dev-1', reason: 'acl_denied' }, 'subscribe refused');
  assert.equal(log.lines.length, 6, 'three for dev-1 acl_denied publishes, one per other client, message or reason');
  limiter.flush();
  assert.equal(log.lines.length, 7);
  assert.deepEqual(log.lines[6], {
    fields: { clientId: 'dev-1', topic: 't/3', reason: 'acl_denied', suppressed: 19_997, windowMs: 60_000 },
    message: 'publish refused: 19997 more in this window not logged',
  });
  limiter.log('dev-1', { clientId: 'dev-1', reason: 'acl_denied' }, 'publish refused');
  assert.equal(log.lines.length, 8, 'a new window writes again');
  limiter.flush();
});

test('keys beyond maxKeys share one bucket, so many clients cannot grow the limiter or the log', () => {
  const log = recorder();
  const limiter = new LogLimiter(log.write, { linesPerWindow: 1, maxKeys: 10 });
  for (let i = 0; i < 1000; i++) limiter.log(`dev-${i}`, { clientId: `dev-${i}`, reason: 'acl_denied' }, 'publish refused');
  assert.equal(log.lines.length, 10);
  limiter.flush();
  assert.deepEqual(log.lines.at(-1)!.fields, { reason: 'acl_denied', suppressed: 990, windowMs: 10_000 });
});
