/**
 * The bundle names what it was built for, and both ends check it: bundle.sh refuses a Node that is
 * not the container's major version, and install.sh refuses a bundle whose ABI, platform or
 * architecture differ from the container's node, naming both, before it changes anything.
 *
 * @module lxc/test/release-checks.test
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test, type TestContext } from 'node:test';
import { cleanEnv, run } from './host.js';

const LXC_DIR = resolve(import.meta.dirname, '..');

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'arra-release-checks-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('bundle.sh refuses to build with a Node other than 20, before building anything', async (t) => {
  const dir = tempDir(t);
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  // A Node 22 as far as bundle.sh can tell.
  writeFileSync(join(bin, 'node'), '#!/bin/sh\ncase "$*" in -v) echo v22.11.0 ;; *) echo 22 ;; esac\n');
  chmodSync(join(bin, 'node'), 0o755);
  const out = join(dir, 'out');
  const res = await run(join(LXC_DIR, 'bundle.sh'), ['--out', out], { env: { ...cleanEnv(), PATH: `${bin}:${process.env.PATH}` } });
  assert.notEqual(res.code, 0);
  assert.match(res.stderr, /node v22\.11\.0 is not Node 20: the container runs Debian 13's Node 20/);
  assert.equal(existsSync(out) && readdirSync(out).length > 0, false, 'no bundle was written');
});

const node = '/usr/bin/node';
const installSkip =
  process.getuid?.() !== 0 ? 'install.sh runs as root only' : existsSync(node) ? false : `no ${node} (install.sh would install Debian's nodejs on this host)`;

test('install.sh refuses a bundle built for another ABI or architecture, naming both, and changes nothing', { skip: installSkip }, async (t) => {
  const dir = tempDir(t);
  const otherArch = process.arch === 'x64' ? 'arm64' : 'x64';
  for (const [abi, arch] of [['115', otherArch], ['999', process.arch]] as const) {
    const bundle = join(dir, `bundle-${abi}-${arch}`);
    mkdirSync(bundle);
    writeFileSync(join(bundle, 'RELEASE'), `ARRA_VERSION=0.0.0\nARRA_HASH=test\nNODE_ABI=${abi}\nNODE_PLATFORM=linux\nNODE_ARCH=${arch}\nBUILT_WITH_NODE=v20.19.0\n`);
    const res = await run('bash', [join(LXC_DIR, 'install.sh'), '--from', bundle], { env: cleanEnv() });
    assert.notEqual(res.code, 0, `a ${abi} ${arch} bundle is refused`);
    assert.match(
      res.stderr,
      new RegExp(`the bundle was built with Node v20\\.19\\.0 \\(ABI ${abi} linux-${arch}\\); /usr/bin/node v\\d+\\.\\d+\\.\\d+ here has ABI ${process.versions.modules} linux-${process.arch}`),
    );
  }
  assert.equal(existsSync('/opt/arra-mq/releases/0.0.0-test'), false, 'nothing was installed');
});
