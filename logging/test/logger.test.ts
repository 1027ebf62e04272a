/**
 * Journal priorities: when stdout is the journal, each JSON line starts with `<N>` for its level, so
 * journald files warnings and errors at their priority (`journalctl -p warning`); elsewhere the lines
 * stay pure JSON.
 */
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger, writesToJournal } from '../logger.js';

function capture(journal: boolean): { lines: string[]; log: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, log: createLogger({ level: 'trace', destination, journal }) };
}

test('to the journal, each line starts with the syslog priority of its level', () => {
  const { lines, log } = capture(true);
  log.fatal('f');
  log.error('e');
  log.warn({ password: 'hunter22' }, 'w');
  log.info('i');
  log.debug('d');
  log.trace('t');
  assert.deepEqual(lines.map((l) => l.slice(0, 3)), ['<2>', '<3>', '<4>', '<6>', '<7>', '<7>']);
  assert.equal(JSON.parse(lines[2]!.slice(3)).msg, 'w', 'after the prefix, the line is the same JSON');
  assert.equal(lines[2]!.includes('hunter22'), false, 'redaction still applies');
});

test('elsewhere the lines are pure JSON', () => {
  const { lines, log } = capture(false);
  log.warn('w');
  assert.equal(JSON.parse(lines[0]!).level, 40);
});

test('stdout counts as the journal only when JOURNAL_STREAM names its device and inode', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'arra-journal-'));
  const fd = openSync(join(dir, 'stream'), 'w');
  t.after(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });
  const st = statSync(join(dir, 'stream'));
  assert.equal(writesToJournal({ JOURNAL_STREAM: `${st.dev}:${st.ino}` }, fd), true);
  assert.equal(writesToJournal({ JOURNAL_STREAM: `${st.dev}:${st.ino + 1}` }, fd), false, 'another stream (stdout redirected elsewhere)');
  assert.equal(writesToJournal({}, fd), false);
});

test('secret fields are redacted at the top, one level down and in headers; the caller keeps its object', () => {
  const { lines, log } = capture(false);
  const fields = { clientId: 'c1', password: 'hunter22', body: { token: 'tok-secret', keep: 1 }, headers: { authorization: 'Bearer abc', 'x-arra-secret': 's3', accept: '*/*' } };
  log.info(fields, 'm');
  const line = JSON.parse(lines[0]!) as Record<string, Record<string, unknown>>;
  assert.equal(line.password, '[redacted]');
  assert.deepEqual(line.body, { token: '[redacted]', keep: 1 });
  assert.deepEqual(line.headers, { authorization: '[redacted]', 'x-arra-secret': '[redacted]', accept: '*/*' });
  assert.equal(line.clientId, 'c1');
  assert.equal(fields.password, 'hunter22', 'the logged object is not changed');
  for (const secret of ['hunter22', 'tok-secret', 'Bearer abc', 's3"']) assert.equal(lines[0]!.includes(secret), false, secret);
});

test('an error carrying a secret keeps its message and stack, and child bindings are redacted too', () => {
  const { lines, log } = capture(false);
  const err = Object.assign(new Error('boom'), { token: 'tok-secret' });
  log.child({ secret: 'bound-secret' }).error({ err }, 'failed');
  const line = JSON.parse(lines[0]!) as { err: Record<string, unknown>; secret: string };
  assert.equal(line.err.message, 'boom');
  assert.match(String(line.err.stack), /boom/);
  assert.equal(line.err.token, '[redacted]');
  assert.equal(line.secret, '[redacted]');
  assert.equal(lines[0]!.includes('tok-secret') || lines[0]!.includes('bound-secret'), false);
});
