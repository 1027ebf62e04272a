/**
 * setup.sh's decisions that need no container: what --dry-run prints per backend, refusing a CT it
 * did not create, and rejecting bad options. A fake `pct` (lxc/test/fake-pct) on PATH stands in for
 * Proxmox; only `pct create` of a tiny rootfs tarball touches the disk, in a temporary folder.
 *
 * @module lxc/test/setup-cli.test
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test, type TestContext } from 'node:test';
import { cleanEnv, run, runOk } from './host.js';

const LXC_DIR = resolve(import.meta.dirname, '..');
const TEMPLATE = 'local:vztmpl/debian-13-standard_13.1-2_amd64.tar.zst';

/** An empty lxcpath, a fake `pct` on PATH and a placeholder bundle, removed after the test. */
function sandbox(t: TestContext) {
  const work = mkdtempSync(join(tmpdir(), 'arra-setup-cli-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const lxcPath = join(work, 'lxc');
  const bin = join(work, 'bin');
  mkdirSync(lxcPath);
  mkdirSync(bin);
  symlinkSync(join(LXC_DIR, 'test', 'fake-pct'), join(bin, 'pct'));
  const bundle = join(work, 'arra-mq-0.0.0-test.tar.gz');
  writeFileSync(bundle, '');
  const env = { ...cleanEnv(), PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, FAKE_PCT_LXCPATH: lxcPath };
  return { work, lxcPath, bundle, env };
}

function setup(env: NodeJS.ProcessEnv, ...args: string[]) {
  return run('bash', [join(LXC_DIR, 'setup.sh'), ...args], { env, timeoutMs: 30_000 });
}

test('--dry-run prints the pct commands it would run and changes nothing', async (t) => {
  const s = sandbox(t);
  const res = await setup(s.env, '--dry-run', '--bundle', s.bundle, '--template', TEMPLATE, '--http-port', '18081');
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /^would run: pct create 110 local:vztmpl\/debian-13-standard_13\.1-2_amd64\.tar\.zst .*--unprivileged 1 --features nesting=1 --tags arra-mq/m);
  assert.match(res.stdout, /^would run: pct start 110$/m);
  assert.match(res.stdout, /^would run: pct push 110 \S+arra-mq-0\.0\.0-test\.tar\.gz \/root\/arra-mq-deploy\/bundle\.tar\.gz$/m);
  assert.match(res.stdout, /^would run: pct exec 110 -- env -i .* ARRA_HTTP_PORT=18081 .*bash \/root\/arra-mq-deploy\/unpacked\/lxc\/install\.sh/m);
  assert.deepEqual(readdirSync(s.lxcPath), [], 'no container was created');
});

test('--dry-run works the same through the lxc and incus backends', async (t) => {
  const s = sandbox(t);
  const lxc = await setup(s.env, '--dry-run', '--backend', 'lxc', '--bundle', s.bundle, '--ctid', '120');
  assert.equal(lxc.code, 0, lxc.stderr);
  assert.match(lxc.stdout, /^would run: lxc-create -n arra-mq-120 -t download -- --dist debian --release trixie/m);
  assert.match(lxc.stdout, /^would run: lxc-attach -n arra-mq-120 --clear-env -- env -i /m);
  const incus = await setup(s.env, '--dry-run', '--backend', 'incus', '--bundle', s.bundle);
  assert.equal(incus.code, 0, incus.stderr);
  assert.match(incus.stdout, /^would run: incus init images:debian\/13 arra-mq-110 .*user\.managed-by=arra-mq/m);
  assert.match(incus.stdout, /^would run: incus file push \S+ arra-mq-110\/root\/arra-mq-deploy\/bundle\.tar\.gz$/m);
});

test('a CT 110 that setup.sh did not create is refused with a clear message and left alone', async (t) => {
  const s = sandbox(t);
  const rootfs = join(s.work, 'rootfs');
  mkdirSync(join(rootfs, 'etc'), { recursive: true });
  await runOk('tar', ['-C', rootfs, '-czf', join(s.work, 'foreign.tar.gz'), '.']);
  await runOk('pct', ['create', '110', join(s.work, 'foreign.tar.gz'), '--hostname', 'someone-else'], { env: s.env });
  const before = await runOk('pct', ['config', '110'], { env: s.env });

  const res = await setup(s.env, '--bundle', s.bundle);
  assert.notEqual(res.code, 0);
  assert.match(res.stderr, /CT 110 exists but was not created by this script \(no 'arra-mq' tag\/marker\)/);
  assert.match(res.stderr, /--recreate/);
  assert.equal(await runOk('pct', ['config', '110'], { env: s.env }), before, 'the foreign CT is unchanged');
});

test('bad options are refused before any container command runs', async (t) => {
  const s = sandbox(t);
  for (const [args, message] of [
    [['--ctid', 'abc'], /--ctid must be a positive number, got 'abc'/],
    [['--backend', 'docker'], /--backend must be pct, lxc or incus, got 'docker'/],
    [['--memory', 'lots'], /must be numbers, got 'lots'/],
    [['--bundle', '/nonexistent/arra.tar.gz'], /--bundle \/nonexistent\/arra\.tar\.gz: no such file/],
    [['--frobnicate'], /unknown argument: --frobnicate/],
  ] as const) {
    const res = await setup(s.env, ...args);
    assert.notEqual(res.code, 0, `${args.join(' ')} is refused`);
    assert.match(res.stderr, message);
  }
  assert.deepEqual(readdirSync(s.lxcPath), []);
});
