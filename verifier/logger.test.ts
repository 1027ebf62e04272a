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
import { createLogger, writesToJournal } from './logger.js';

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
