/**
 * setup.sh's decisions that need no container: what --dry-run prints per backend, refusing a CT it
 * did not create, the storage picked from `pvesm status`, the listener flags, and rejecting bad
 * options. Fake `pct`/`pvesm`/`pveam` (lxc/test/fake-pve) on PATH stand in for Proxmox; only
 * `pct create` of a tiny rootfs tarball touches the disk, in a temporary folder.
 *
 * @module lxc/test/setup-cli.test
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test, type TestContext } from 'node:test';
import { cleanEnv, linkTool, nodelessBin, run, runOk } from './host.js';

const LXC_DIR = resolve(import.meta.dirname, '..');
const TEMPLATE = 'local:vztmpl/debian-13-standard_13.1-2_amd64.tar.zst';

/** An empty lxcpath, a fake `pct` on PATH and a placeholder bundle, removed after the test. */
function sandbox(t: TestContext) {
  const work = mkdtempSync(join(tmpdir(), 'arra-setup-cli-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const lxcPath = join(work, 'lxc');
  mkdirSync(lxcPath);
  const bin = linkTool(join(work, 'bin'), join(LXC_DIR, 'test', 'fake-pve'), ['pct', 'pvesm', 'pveam']);
  const bundle = join(work, 'arra-mq-0.0.0-test.tar.gz');
  writeFileSync(bundle, '');
  const env = { ...cleanEnv(), PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, FAKE_PCT_LXCPATH: lxcPath };
  return { work, lxcPath, bundle, env };
}

/** Runs setup.sh as the docs do, as an executable (its mode, not `bash setup.sh`). */
function setup(env: NodeJS.ProcessEnv, ...args: string[]) {
  return run(join(LXC_DIR, 'setup.sh'), args, { env, timeoutMs: 30_000 });
}

/** A `pct` that reports CT 110 as an existing, running, tagged CT, for decisions that need no container. */
function runningCtPct(dir: string): string {
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'pct'),
    '#!/bin/sh\ncase $1 in status) echo "status: running" ;; config) echo "tags: arra-mq" ;; *) echo "unexpected pct $*" >&2; exit 1 ;; esac\n',
  );
  chmodSync(join(dir, 'pct'), 0o755);
  return dir;
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

test('--dry-run of a running CT does not print pct start, which Proxmox would refuse', async (t) => {
  const s = sandbox(t);
  const env = { ...s.env, PATH: `${runningCtPct(join(s.work, 'running'))}:${s.env.PATH}` };
  const res = await setup(env, '--dry-run', '--bundle', s.bundle);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stderr, /CT 110 exists and is ours/);
  assert.doesNotMatch(res.stdout, /pct (start|create)/);
  assert.match(res.stdout, /^would run: pct push 110 /m);
});

test('the rootfs storage comes from pvesm status: the only one, local-zfs on a ZFS install, or a question', async (t) => {
  const s = sandbox(t);
  const dry = (storages: string, ...args: string[]) =>
    setup({ ...s.env, FAKE_PVE_STORAGES: storages }, '--dry-run', '--bundle', s.bundle, '--template', TEMPLATE, ...args);
  const zfs = await dry('local:dir:vztmpl,iso local-zfs:zfspool:rootdir,images');
  assert.equal(zfs.code, 0, zfs.stderr);
  assert.match(zfs.stdout, / --rootfs local-zfs:8 /, 'a ZFS install has local-zfs, not local-lvm');
  const one = await dry('local:dir:vztmpl tank:zfspool:rootdir');
  assert.match(one.stdout, / --rootfs tank:8 /, 'the only storage for container disks');
  const several = await dry('local:dir:vztmpl,rootdir ceph:rbd:rootdir');
  assert.notEqual(several.code, 0);
  assert.match(several.stderr, /several storages take container disks \(local ceph\): pick one with --storage/);
  const none = await dry('local:dir:vztmpl');
  assert.match(none.stderr, /lists no active storage for container disks: pass --storage/);
  const chosen = await dry('local:dir:vztmpl,rootdir ceph:rbd:rootdir', '--storage', 'ceph');
  assert.match(chosen.stdout, / --rootfs ceph:8 /);
});

test('listener flags reach install.sh, and the old --bind is refused with what replaced it', async (t) => {
  const s = sandbox(t);
  const res = await setup(s.env, '--dry-run', '--bundle', s.bundle, '--template', TEMPLATE, '--mqtt-bind', '0.0.0.0', '--admin-bind', '10.0.0.5', '--admin-port', '9443', '--webhook-bind', '127.0.0.1');
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /install\.sh/);
  for (const setting of ['ARRA_MQTT_BIND=0.0.0.0', 'ARRA_ADMIN_BIND=10.0.0.5', 'ARRA_ADMIN_PORT=9443', 'ARRA_WEBHOOK_BIND=127.0.0.1']) {
    assert.match(res.stdout, new RegExp(`^would run: pct exec 110 -- .* ${setting} .*install\\.sh`, 'm'), setting);
  }
  const old = await setup(s.env, '--bind', '0.0.0.0');
  assert.notEqual(old.code, 0);
  assert.match(old.stderr, /--bind was split .*: use --mqtt-bind, --webhook-bind and --admin-bind/);
  const bad = await setup(s.env, '--mqtt-bind', 'lan');
  assert.match(bad.stderr, /must be IP addresses, got 'lan'/);
});

test('without --bundle on a host without Node, setup.sh (and its dry run) says to build elsewhere', async (t) => {
  const s = sandbox(t);
  const env = { ...s.env, PATH: `${join(s.work, 'bin')}:${nodelessBin(join(s.work, 'nodeless'))}` };
  for (const args of [[], ['--dry-run']]) {
    const res = await setup(env, ...args);
    assert.notEqual(res.code, 0, `setup.sh ${args.join(' ')} fails`);
    assert.match(res.stderr, /no --bundle given, and this host cannot build one \(it needs Node 20 and the repository\): run lxc\/bundle\.sh on a build machine/);
  }
  assert.deepEqual(readdirSync(s.lxcPath), [], 'nothing was created');
});

/** Secret files on "the Proxmox host": their text must never reach setup.sh's output. */
function secretFiles(dir: string) {
  const url = 'postgres://arra:pg-password-in-file@db.example:5432/arra';
  const key = 'kek-text-never-printed-0123456789';
  const webhook = 'webhook-text-never-printed-0123';
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };
  return { texts: [url, 'pg-password-in-file', key, webhook], url: write('database-url', `${url}\n`), key: write('kek', `${key}\n`), webhook: write('webhook', webhook), write };
}

test('--dry-run with the registry files pushes them into a root-only folder and prints their paths, never their text', async (t) => {
  const s = sandbox(t);
  const f = secretFiles(s.work);
  const res = await setup(s.env, '--dry-run', '--bundle', s.bundle, '--template', TEMPLATE, '--database-url-file', f.url, '--key-encryption-key-file', f.key, '--webhook-secret-file', f.webhook);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /^would run: pct exec 110 -- env -i .* install -d -m 0700 \/root\/arra-mq-deploy\/secrets$/m);
  for (const [file, name] of [[f.url, 'database-url'], [f.key, 'key-encryption-key'], [f.webhook, 'webhook-secret']] as const) {
    assert.ok(res.stdout.includes(`would run: pct push 110 ${file} /root/arra-mq-deploy/secrets/${name}\n`), `${name} is pushed as a file`);
  }
  assert.match(res.stdout, /install\.sh --from \/root\/arra-mq-deploy\/unpacked --database-url-file \/root\/arra-mq-deploy\/secrets\/database-url --key-encryption-key-file \/root\/arra-mq-deploy\/secrets\/key-encryption-key --webhook-secret-file \/root\/arra-mq-deploy\/secrets\/webhook-secret$/m);
  for (const text of f.texts) assert.ok(!res.stdout.includes(text) && !res.stderr.includes(text), 'no secret text in the output');

  const fromEnv = await setup({ ...s.env, ARRA_DATABASE_URL_FILE: f.url, ARRA_KEY_ENCRYPTION_KEY_FILE: f.key }, '--dry-run', '--bundle', s.bundle, '--template', TEMPLATE);
  assert.equal(fromEnv.code, 0, fromEnv.stderr);
  assert.match(fromEnv.stdout, /--database-url-file \/root\/arra-mq-deploy\/secrets\/database-url --key-encryption-key-file /, 'the variables work as the flags do');
  const without = await setup(s.env, '--dry-run', '--bundle', s.bundle, '--template', TEMPLATE);
  assert.doesNotMatch(without.stdout, /secrets/, 'without them nothing is pushed and the kept files stay');
});

test('registry files that are missing, not a postgres:// URL, a short key or a URL without a key are refused before any container command', async (t) => {
  const s = sandbox(t);
  const f = secretFiles(s.work);
  // A pct that records every call: the refusals must come before the first one.
  const calls = join(s.work, 'pct-calls');
  const recording = join(s.work, 'recording');
  mkdirSync(recording);
  writeFileSync(join(recording, 'pct'), `#!/bin/sh\necho "$*" >>${calls}\nexit 1\n`, { mode: 0o755 });
  const env = { ...s.env, PATH: `${recording}:${s.env.PATH}` };
  const mysql = f.write('mysql-url', 'mysql://root:mysql-secret-text@db/arra\n');
  const twoLines = f.write('two-lines', 'postgres://a@db/arra\npostgres://b@db/arra\n');
  const shortKey = f.write('short', 'too-short\n');
  const both = ['--database-url-file', f.url, '--key-encryption-key-file', f.key];
  for (const [args, message] of [
    [['--database-url-file', join(s.work, 'absent'), '--key-encryption-key-file', f.key], /--database-url-file \S+absent: not a readable file/],
    [['--database-url-file', s.work, '--key-encryption-key-file', f.key], /--database-url-file \S+: not a readable file/],
    [['--database-url-file', mysql, '--key-encryption-key-file', f.key], /--database-url-file \S+mysql-url must hold one line, a postgres:\/\/ URL/],
    [['--database-url-file', twoLines, '--key-encryption-key-file', f.key], /two-lines must hold one line, a postgres:\/\/ URL/],
    [['--database-url-file', f.url], /--database-url-file needs --key-encryption-key-file: every replica must seal and open the registry's private keys with the same key/],
    [['--key-encryption-key-file', f.key], /--key-encryption-key-file is for a replica on PostgreSQL: give --database-url-file with it/],
    [['--database-url-file', f.url, '--key-encryption-key-file', shortKey], /--key-encryption-key-file \S+short: must hold a secret of at least 16 characters/],
    [['--database-url-file', f.url, '--key-encryption-key-file', join(s.work, 'absent-key')], /--key-encryption-key-file \S+absent-key: not a readable file/],
    [[...both, '--webhook-secret-file', shortKey], /--webhook-secret-file \S+short: must hold a secret of at least 16 characters/],
  ] as const) {
    const res = await setup(env, '--bundle', s.bundle, ...args);
    assert.notEqual(res.code, 0, `${args.join(' ')} is refused`);
    assert.match(res.stderr, message);
    assert.doesNotMatch(res.stderr + res.stdout, /mysql-secret-text|pg-password-in-file|kek-text/, 'the refusal shows no file text');
  }
  assert.equal(existsSync(calls), false, 'pct was never called');
});
