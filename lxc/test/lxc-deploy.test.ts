/**
 * The real deployment test: the unmodified `lxc/setup.sh` creates CT 110 from a Debian 13 (trixie)
 * rootfs through a fake `pct` backed by lxc-* (see `fake-pct`), installs the bundle built by
 * `lxc/bundle.sh`, and the host then checks the result over 127.0.0.1: units active with their
 * sandbox in force, `/healthz` served from inside the container, a CLI-provisioned device publishing
 * through the broker, a re-run that changes nothing and keeps the data, an update and a rollback.
 * The container shares the host's network, so the test picks ports that are free on the host.
 *
 * The CT is unprivileged, as setup.sh asks and Proxmox makes it (ids shifted by 100000): a first,
 * quick test checks that the fake `pct` builds it so. For that the file lists the range for root in
 * /etc/subuid and /etc/subgid while it runs, and removes exactly those lines afterwards.
 *
 * Needs root and Debian's lxc, uidmap, debootstrap, zstd, mosquitto-clients; otherwise it is
 * skipped and says why. The rootfs tarball is cached in $ARRA_TEST_CACHE (default
 * /var/cache/arra-mq-test), as are the bundle's production dependencies; $ARRA_TEST_BUNDLE uses a
 * prebuilt bundle instead of building.
 *
 * @module lxc/test/lxc-deploy.test
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cli, CTID, inContainer, listeners, LXC_DIR, mainPids, mqttAuth, nextBundle, prepareHost, setup, UNITS } from './deployment.js';
import { cgroupOf, listenerPid, lxcUnavailableReason, mountOptionsOf, procStatus, run, runOk } from './host.js';
import { grantRootSubordinateIds, USERNS_BASE, USERNS_SIZE } from './subids.js';

const skip = await lxcUnavailableReason();
if (skip) console.log(`# lxc-deploy.test.ts skipped: ${skip}`);

// Unprivileged CTs need root's subordinate ids; granted once for this file's tests (which run one
// after the other) and revoked after them, also when one fails.
let revokeSubids = (): void => {};
before(() => {
  if (!skip) revokeSubids = grantRootSubordinateIds();
});
after(() => revokeSubids());

/** A path's owner as the host sees it, `uid:gid`. */
function owner(path: string): string {
  const st = statSync(path);
  return `${st.uid}:${st.gid}`;
}

test('the fake pct maps --unprivileged 1 the way Proxmox does and keeps --unprivileged 0 privileged', { skip }, async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'arra-fake-pct-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  chmodSync(work, 0o711);
  // A tiny template: a root-owned /etc, a file of uid/gid 1000 and a device node.
  const tree = join(work, 'tree');
  mkdirSync(join(tree, 'etc'), { recursive: true });
  mkdirSync(join(tree, 'dev'));
  writeFileSync(join(tree, 'etc', 'user-file'), 'x');
  await runOk('chown', ['1000:1000', join(tree, 'etc', 'user-file')]);
  await runOk('mknod', [join(tree, 'dev', 'null'), 'c', '1', '3']);
  const template = join(work, 'template.tar.gz');
  await runOk('tar', ['--numeric-owner', '-C', tree, '-czf', template, '.']);
  const lxcPath = join(work, 'lxc');
  mkdirSync(lxcPath);
  const env = { ...process.env, FAKE_PCT_LXCPATH: lxcPath };
  const pct = join(LXC_DIR, 'test', 'fake-pct');

  await runOk(pct, ['create', '201', template, '--hostname', 'u', '--unprivileged', '1'], { env });
  const uRoot = join(lxcPath, '201', 'rootfs');
  assert.equal(owner(uRoot), '100000:100000', 'the rootfs belongs to the CT root');
  assert.equal(owner(join(uRoot, 'etc')), '100000:100000');
  assert.equal(owner(join(uRoot, 'etc', 'user-file')), '101000:101000', 'every id is shifted by 100000');
  assert.equal(owner(join(uRoot, 'etc', 'hostname')), '100000:100000', 'the hostname file is the CT root\'s');
  assert.equal(existsSync(join(uRoot, 'dev', 'null')), false, 'device nodes are left to LXC');
  const uConfig = readFileSync(join(lxcPath, '201', 'config'), 'utf8');
  assert.match(uConfig, new RegExp(`^lxc\\.idmap = u 0 ${USERNS_BASE} ${USERNS_SIZE}$`, 'm'));
  assert.match(uConfig, new RegExp(`^lxc\\.idmap = g 0 ${USERNS_BASE} ${USERNS_SIZE}$`, 'm'));
  assert.match(uConfig, /^lxc\.include = \/usr\/share\/lxc\/config\/userns\.conf$/m);

  await runOk(pct, ['create', '202', template, '--hostname', 'p', '--unprivileged', '0'], { env });
  const pRoot = join(lxcPath, '202', 'rootfs');
  assert.equal(owner(join(pRoot, 'etc')), '0:0', 'a privileged CT keeps the ids');
  assert.equal(owner(join(pRoot, 'etc', 'user-file')), '1000:1000');
  assert.ok(statSync(join(pRoot, 'dev', 'null')).isCharacterDevice());
  assert.doesNotMatch(readFileSync(join(lxcPath, '202', 'config'), 'utf8'), /lxc\.idmap|userns/);

  for (const id of ['201', '202']) await runOk(pct, ['destroy', id], { env });
  assert.equal((await run(pct, ['config', '201'], { env })).code, 255, 'destroyed CTs are gone');
});

test('lxc/setup.sh deploys ARRA-MQ into CT 110 and updates it in place', { skip, timeout: 300_000 }, async (t) => {
  const d = await prepareHost(t);
  assert.equal(await listenerPid(d.httpPort), undefined, 'the HTTP port is free before the container starts');
  assert.equal(await listenerPid(d.mqttPort), undefined, 'the MQTT port is free before the container starts');

  await t.test('setup.sh creates an unprivileged, nesting, tagged CT and installs both services', async () => {
    const first = await setup(d, '--with-nanomq', '--with-mosquitto');
    assert.equal(first.code, 0, `setup.sh failed\n${first.stdout}\n${first.stderr}`);
    assert.match(first.stderr, /creating CT 110/);
    const config = await runOk('pct', ['config', CTID], { env: d.env });
    assert.match(config, /^tags: arra-mq$/m);
    assert.match(config, /^unprivileged: 1$/m);
    assert.match(config, /^features: nesting=1$/m);
  });

  await t.test('the container is really unprivileged: its root is host uid/gid 100000', async () => {
    const idMap = new RegExp(`^\\s*0\\s+${USERNS_BASE}\\s+${USERNS_SIZE}\\s*$`);
    assert.match(await inContainer(d, 'cat', '/proc/self/uid_map'), idMap);
    assert.match(await inContainer(d, 'cat', '/proc/self/gid_map'), idMap);
  });

  await t.test('both units are active and pass systemd-analyze verify inside the container', async () => {
    assert.equal((await inContainer(d, 'systemctl', 'is-active', ...UNITS)).trim(), 'active\nactive');
    const units = UNITS.map((u) => `/etc/systemd/system/${u}`);
    const verify = await run('pct', ['exec', CTID, '--', 'systemd-analyze', 'verify', ...units], { env: d.env });
    assert.equal(verify.code, 0, verify.stderr);
    assert.equal(verify.stderr.trim(), '', 'systemd-analyze verify has no warnings');
  });

  await t.test('--with-nanomq/--with-mosquitto write broker configs aimed at this verifier, readable by root and arra-mq only', async () => {
    for (const name of ['nanomq', 'mosquitto']) {
      const path = `/etc/arra-mq/adapters/${name}.conf`;
      assert.equal((await inContainer(d, 'stat', '-c', '%a %U:%G', path)).trim(), '640 root:arra-mq');
      const text = await inContainer(d, 'cat', path);
      assert.ok(text.includes(String(d.httpPort)), `${name}.conf names the verifier's port`);
      assert.doesNotMatch(text.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n'), /CHANGE-ME/);
    }
  });

  await t.test('/healthz answers on 127.0.0.1 from a listener inside the container', async () => {
    const res = await fetch(`http://127.0.0.1:${d.httpPort}/healthz`);
    assert.equal(res.status, 200);
    for (const { unit, pid } of await listeners(d)) {
      assert.match(cgroupOf(pid), new RegExp(`lxc\\.payload\\.${CTID}/system\\.slice/${unit}`));
      // User arra-mq inside, so on the host an id of the CT's range other than its root's.
      const uid = Number(procStatus(pid).get('Uid')?.split(/\s+/)[0]);
      assert.ok(uid > USERNS_BASE && uid < USERNS_BASE + USERNS_SIZE, `${unit} runs as host uid ${uid}, inside the CT's range`);
    }
  });

  await t.test("the units' sandbox is in force in the unprivileged CT, as the kernel sees it", async () => {
    for (const { unit, pid } of await listeners(d)) {
      const status = procStatus(pid);
      assert.equal(status.get('NoNewPrivs'), '1', `${unit}: NoNewPrivileges`);
      assert.equal(status.get('Seccomp'), '2', `${unit}: SystemCallFilter (seccomp filter mode)`);
      assert.equal(status.get('CapBnd'), '0000000000000000', `${unit}: empty CapabilityBoundingSet`);
      assert.ok(mountOptionsOf(pid, '/')?.includes('ro'), `${unit}: ProtectSystem=strict makes / read-only`);
      assert.ok(mountOptionsOf(pid, '/var/lib/arra-mq')?.includes('rw'), `${unit}: its StateDirectory stays writable`);
    }
  });

  await t.test('a device provisioned with the CLI connects and publishes, a wrong password is refused', async () => {
    const token = (await inContainer(d, 'cat', '/var/lib/arra-mq/admin-token')).trim();
    for (const args of [
      ['device', 'add', 'd1', '--password', 'lxc-test-password-1'],
      ['device', 'add', 'd2', '--password', 'lxc-test-password-2'],
      ['acl', 'add', '--device', 'd1', '--action', 'publish', '--topic', 'devices/${device}/#', '--allow'],
      ['acl', 'add', '--device', 'd2', '--action', 'subscribe', '--topic', 'devices/#', '--allow'],
    ]) {
      const res = await cli(d, token, ...args);
      assert.equal(res.code, 0, `arra-mq ${args.join(' ')}: ${res.stderr}`);
    }
    // d2 listens for one message; d1 publishes it with QoS 1, so mosquitto_pub's exit code is the PUBACK.
    const received = run('mosquitto_sub', [...mqttAuth(d, 'd2', 'lxc-test-password-2'), '-t', 'devices/#', '-C', '1', '-W', '20', '-v'], {
      timeoutMs: 30_000,
    });
    await new Promise((r) => setTimeout(r, 1000));
    const pub = await run('mosquitto_pub', [...mqttAuth(d, 'd1', 'lxc-test-password-1'), '-q', '1', '-t', 'devices/d1/hello', '-m', 'from-lxc'], {
      timeoutMs: 20_000,
    });
    assert.equal(pub.code, 0, pub.stderr);
    const sub = await received;
    assert.equal(sub.code, 0, sub.stderr);
    assert.equal(sub.stdout.trim(), 'devices/d1/hello from-lxc');
    const refused = await run('mosquitto_pub', [...mqttAuth(d, 'd1', 'wrong-password'), '-q', '1', '-t', 'devices/d1/x', '-m', 'x'], {
      timeoutMs: 20_000,
    });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Bad User Name or Password|Not authorized/);
  });

  await t.test('re-running setup.sh is a no-op update that keeps the device', async () => {
    const pidsBefore = await mainPids(d);
    const second = await setup(d);
    assert.equal(second.code, 0, `setup.sh re-run failed\n${second.stdout}\n${second.stderr}`);
    assert.match(second.stderr, /exists and is ours/);
    assert.doesNotMatch(second.stderr, /installing release|restarting/);
    assert.equal(await mainPids(d), pidsBefore, 'no service was restarted');
    const token = (await inContainer(d, 'cat', '/var/lib/arra-mq/admin-token')).trim();
    const shown = await cli(d, token, 'device', 'show', 'd1');
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(JSON.parse(shown.stdout).id, 'd1');
  });

  await t.test('a new bundle installs beside the old release, restarts both services and keeps the device', async () => {
    const oldRelease = (await inContainer(d, 'readlink', '/opt/arra-mq/current')).trim();
    const pidsBefore = await mainPids(d);
    const update = await setup(d, '--bundle', await nextBundle(d, 'feedfacecafe'));
    assert.equal(update.code, 0, `setup.sh update failed\n${update.stdout}\n${update.stderr}`);
    assert.match(update.stderr, /installing release \S+-feedfacecafe/);
    assert.match(update.stderr, /restarting/);
    assert.match(await inContainer(d, 'readlink', '/opt/arra-mq/current'), /^releases\/\S+-feedfacecafe$/m);
    await inContainer(d, 'test', '-d', `/opt/arra-mq/${oldRelease}`);
    assert.notEqual(await mainPids(d), pidsBefore, 'both services run the new release');
    const token = (await inContainer(d, 'cat', '/var/lib/arra-mq/admin-token')).trim();
    const shown = await cli(d, token, 'device', 'show', 'd1');
    assert.equal(shown.code, 0, shown.stderr);
  });

  await t.test('a new release that fails its health check is rolled back and the old one serves again', async () => {
    const broken = await nextBundle(d, 'badbadbadbad', true);
    const update = await setup(d, '--bundle', broken, '--health-timeout', '8');
    assert.notEqual(update.code, 0, 'setup.sh reports the failed update');
    assert.match(update.stderr, /rolled back to \S+-feedfacecafe, which is running/);
    assert.match(await inContainer(d, 'readlink', '/opt/arra-mq/current'), /^releases\/\S+-feedfacecafe$/m);
    assert.equal((await fetch(`http://127.0.0.1:${d.httpPort}/healthz`)).status, 200);
    const token = (await inContainer(d, 'cat', '/var/lib/arra-mq/admin-token')).trim();
    assert.equal((await cli(d, token, 'device', 'show', 'd1')).code, 0, 'the device survived the failed update');
  });
});
