/**
 * `ARRA_BROKER_DURABILITY=fsync` flushes the WAL file before an acknowledgement leaves, and does it
 * off the event loop: a real store in a child process under strace, whose system calls show the
 * `fdatasync` of `broker.db-wal` finished before the acknowledgement is written; `os` flushes nothing.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STRACE = ['/usr/bin/strace', '/bin/strace'].find((path) => existsSync(path));

const CHILD = `
import { writeSync } from 'node:fs';
import { SqliteStore } from './broker/persistence/index.ts';
const [dir, durability] = process.argv.slice(1);
const store = new SqliteStore({ path: dir + '/broker.db', durability, maxBytes: 1 << 24, onError: (err) => { throw err; } });
writeSync(1, 'SAVE\\n');
store.saveRetained({ topic: 'r/1', payload: Buffer.from('kept'), qos: 1, retain: true });
store.afterCommit((stored) => {
  writeSync(1, 'ACK ' + stored + '\\n');
  store.close();
});
`;

/**
 * From the child's system calls, in order: `SAVE` (the write is made), each sync of a store file
 * once it returned 0 (`fdatasync broker.db-wal`), `ACK` (the acknowledgement is written).
 */
async function tracedCalls(t: TestContext, durability: 'fsync' | 'os'): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'arra-store-fsync-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const trace = join(dir, 'trace');
  const args = ['-f', '-y', '-o', trace, '-e', 'trace=fsync,fdatasync,write', process.execPath, '--import', 'tsx', '--input-type=module', '-e', CHILD, dir, durability];
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(STRACE!, args, { cwd: ROOT, timeout: 60_000 }, (err, out) => (err ? reject(err) : resolve(out))),
  );
  assert.equal(stdout, 'SAVE\nACK true\n');
  const calls: string[] = [];
  const started = new Map<string, string>(); // pid -> the sync it began
  for (const line of readFileSync(trace, 'utf8').split('\n')) {
    const [pid] = line.split(' ', 1);
    const call = /(fsync|fdatasync)\(\d+<[^>]*\/(broker\.db(?:-wal)?)>/.exec(line);
    const sync = call ? `${call[1]} ${call[2]}` : started.get(pid!);
    if (call && line.includes('<unfinished')) started.set(pid!, sync!);
    else if (sync !== undefined && /\)\s+= 0$/.test(line)) {
      started.delete(pid!);
      calls.push(sync);
    }
    const written = /write\(1(?:<[^>]*>)?, "(SAVE|ACK)/.exec(line);
    if (written) calls.push(written[1]!);
  }
  return calls.slice(calls.indexOf('SAVE'));
}

test('fsync: the WAL file is flushed before the acknowledgement leaves', { skip: STRACE ? false : 'strace is not installed' }, async (t) => {
  const calls = await tracedCalls(t, 'fsync');
  const ack = calls.indexOf('ACK');
  assert.ok(ack > 0, calls.join(', '));
  assert.ok(calls.slice(0, ack).includes('fdatasync broker.db-wal'), `between the write and its acknowledgement, a flush of the WAL: ${calls.join(', ')}`);
});

test('os: the acknowledgement leaves after the commit, with no flush', { skip: STRACE ? false : 'strace is not installed' }, async (t) => {
  const calls = await tracedCalls(t, 'os');
  const ack = calls.indexOf('ACK');
  assert.ok(ack >= 0, calls.join(', '));
  assert.deepEqual(calls.slice(1, ack), [], calls.join(', '));
});
