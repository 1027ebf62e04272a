/**
 * Static checks of the deployment files: every script passes shellcheck, every unit passes
 * `systemd-analyze verify`, and the units keep the hardening that Node.js survives. Needs no root;
 * a missing tool skips its check with the reason in the log (apt-get install shellcheck systemd).
 *
 * @module lxc/test/lint.test
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { run } from './host.js';

const LXC_DIR = resolve(import.meta.dirname, '..');
const SCRIPTS = [
  ...readdirSync(LXC_DIR).filter((f) => f.endsWith('.sh')),
  ...readdirSync(join(LXC_DIR, 'lib')).map((f) => join('lib', f)),
  join('test', 'fake-pve'),
  join('test', 'fake-hosts'),
  join('test', 'make-rootfs.sh'),
].map((f) => join(LXC_DIR, f));
const UNITS = readdirSync(join(LXC_DIR, 'units')).map((f) => join(LXC_DIR, 'units', f));

async function missing(tool: string): Promise<string | false> {
  const found = (await run('sh', ['-c', `command -v ${tool}`])).code === 0;
  if (!found) console.log(`# skipped: ${tool} is not installed`);
  return found ? false : `${tool} is not installed`;
}

test('every lxc script passes shellcheck', { skip: await missing('shellcheck') }, async () => {
  assert.ok(SCRIPTS.length >= 9, 'the script list is complete');
  const res = await run('shellcheck', ['-x', ...SCRIPTS], { cwd: LXC_DIR });
  assert.equal(res.code, 0, res.stdout + res.stderr);
});

test('every unit passes systemd-analyze verify', { skip: await missing('systemd-analyze') }, async () => {
  const res = await run('systemd-analyze', ['verify', ...UNITS]);
  assert.equal(res.code, 0, res.stdout + res.stderr);
  assert.equal(res.stderr.trim(), '', 'no warnings');
});

test('both units keep the hardening that Node.js survives', () => {
  assert.equal(UNITS.length, 2);
  for (const unit of UNITS) {
    const text = readFileSync(unit, 'utf8');
    for (const line of [
      'ProtectSystem=strict',
      'NoNewPrivileges=yes',
      'PrivateTmp=yes',
      'StateDirectory=arra-mq',
      'User=arra-mq',
      'EnvironmentFile=/etc/arra-mq/env',
      // V8 uses memory protection keys: @system-service alone kills Node with SIGSYS.
      'SystemCallFilter=@system-service pkey_alloc pkey_free pkey_mprotect',
      'SystemCallErrorNumber=EPERM',
    ]) {
      assert.match(text, new RegExp(`^${line}$`, 'm'), `${unit} has ${line}`);
    }
    // V8's JIT writes executable pages, which MemoryDenyWriteExecute forbids.
    assert.doesNotMatch(text, /^MemoryDenyWriteExecute=/m, `${unit} must not set MemoryDenyWriteExecute`);
  }
});

/** What the docs and the tests run by path: each must be executable as committed (git mode 100755). */
const EXECUTABLES = ['setup.sh', 'install.sh', 'bundle.sh', 'lib/backend-pct.sh', 'lib/backend-lxc.sh', 'lib/backend-incus.sh', 'test/fake-pve', 'test/fake-hosts', 'test/make-rootfs.sh'];

const inGit = (await run('git', ['-C', LXC_DIR, 'rev-parse', '--is-inside-work-tree'])).code === 0;

test('the scripts are committed executable, so `lxc/setup.sh --help` runs as the READMEs write it', { skip: inGit ? false : 'not a git checkout' }, async () => {
  const res = await run('git', ['-C', LXC_DIR, 'ls-files', '-s', '--', ...EXECUTABLES]);
  assert.equal(res.code, 0, res.stderr);
  const modes = new Map(res.stdout.trim().split('\n').map((line) => [line.split('\t')[1]!.replace(/^lxc\//, ''), line.split(' ')[0]]));
  for (const file of EXECUTABLES) assert.equal(modes.get(file), '100755', `lxc/${file} is mode 100755 in git`);
  const help = await run(join(LXC_DIR, 'setup.sh'), ['--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /--mqtt-bind ADDR/);
});
