/**
 * The LXC test's subordinate-id grant touches /etc/subuid and /etc/subgid on the machine running
 * it, so it must add the Proxmox range only when missing and take back exactly what it added.
 * Exercised on copies in a temporary folder.
 *
 * @module lxc/test/subids.test
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { grantRootSubordinateIds } from './subids.js';

function files(t: TestContext, ...contents: (string | undefined)[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'arra-subids-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return contents.map((text, i) => {
    const path = join(dir, `sub${i}`);
    if (text !== undefined) writeFileSync(path, text);
    return path;
  });
}

test('a missing range is appended and the undo restores the files byte for byte', (t) => {
  const before = ['alice:100000:65536\n', 'bob:200000:65536'];
  const paths = files(t, ...before);
  const undo = grantRootSubordinateIds(paths);
  assert.equal(readFileSync(paths[0]!, 'utf8'), 'alice:100000:65536\nroot:100000:65536\n');
  assert.equal(readFileSync(paths[1]!, 'utf8'), 'bob:200000:65536\nroot:100000:65536\n');
  undo();
  assert.deepEqual(paths.map((p) => readFileSync(p, 'utf8')), before);
});

test('a file the grant created is removed again, an empty one that existed stays', (t) => {
  const [created, empty] = files(t, undefined, '');
  const undo = grantRootSubordinateIds([created!, empty!]);
  assert.equal(readFileSync(created!, 'utf8'), 'root:100000:65536\n');
  undo();
  assert.equal(existsSync(created!), false);
  assert.equal(readFileSync(empty!, 'utf8'), '');
});

test('a range root already has is left alone, and lines added meanwhile by others survive the undo', (t) => {
  const [covered, missing] = files(t, 'root:65536:200000\n', 'root:300000:65536\n');
  const undo = grantRootSubordinateIds([covered!, missing!]);
  assert.equal(readFileSync(covered!, 'utf8'), 'root:65536:200000\n');
  writeFileSync(missing!, `${readFileSync(missing!, 'utf8')}carol:400000:65536\n`);
  undo();
  assert.equal(readFileSync(covered!, 'utf8'), 'root:65536:200000\n');
  assert.equal(readFileSync(missing!, 'utf8'), 'root:300000:65536\ncarol:400000:65536\n');
});
