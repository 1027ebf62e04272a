/**
 * The real deployment, the way the docs tell an operator to do it: the build machine's block of
 * lxc/README.md (`npm ci && lxc/bundle.sh`, `ssh`, `scp -r`) runs in an unpacked source archive
 * without .git, and the Proxmox host's block (`pveam download`, `setup.sh --dry-run`, `setup.sh`,
 * provisioning with `pct exec 110 -- arra-mq`) runs as written on a "Proxmox host" with no Node on
 * PATH, its own /root, and `pct`/`pvesm`/`pveam` stand-ins backed by lxc-* (see `fake-pve`,
 * `fake-hosts`). The blocks are read from the READMEs, so they cannot drift from what is tested.
 *
 * Then, on the one CT 110 this creates: a device on "the LAN" (a network namespace, see `lan.ts`)
 * connects over the MQTT bind while neither the admin API nor the webhook listener answers it there;
 * the units' sandbox, listeners and journal priorities as the kernel and journald see them; a no-op
 * re-run; a re-run that moves the admin listener; an update and a restart that keep the secrets, the
 * env file and the registry byte for byte; the rollback of a release that fails its health check; and
 * the move onto a PostgreSQL on the host (its secrets pushed as files, shown nowhere).
 * The CT shares the host's network, so the test's ports are free host ports, given to setup.sh through
 * the `ARRA_*_PORT` variables it reads.
 *
 * The CT is unprivileged, as setup.sh asks and Proxmox makes it (ids shifted by 100000): a first,
 * quick test checks that the fake `pct` builds it so. For that the file lists the range for root in
 * /etc/subuid and /etc/subgid while it runs, and removes exactly those lines afterwards.
 *
 * Needs root and Debian's lxc, uidmap, debootstrap, zstd, mosquitto-clients, iproute2; otherwise it is
 * skipped and says why. The rootfs tarball is cached in $ARRA_TEST_CACHE (default
 * /var/cache/arra-mq-test), as are the bundle's production dependencies.
 *
 * @module lxc/test/lxc-deploy.test
 */
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CTID, inContainer, listeners, LXC_DIR, mainPids, mqttAuth, nextBundle, onBuildMachine, onProxmox, pct, prepareHost, REPO_DIR, setup, UNITS } from './deployment.js';
import { commandLines, docBlock } from './docs.js';
import { cgroupOf, freePort, listenerPid, lxcUnavailableReason, mountOptionsOf, procStatus, run, runOk } from './host.js';
import { goAuthMissing, nanomqMissing, tools } from '../../broker-adapters/test/live/interop.js';
import { mosquittoConfig, nanomqConfig, startMosquitto, startNanomq } from '../../broker-adapters/test/live/brokers.js';
import { createLan } from './lan.js';
import pg from 'pg';
import { postgresUnavailable, scratchDatabase, stopTestCluster } from '../../verifier/store/postgres/test/cluster.js';
import { grantRootSubordinateIds, USERNS_BASE, USERNS_SIZE } from './subids.js';

const skip = await lxcUnavailableReason();
if (skip) console.log(`# lxc-deploy.test.ts skipped: ${skip}`);

const LXC_README = join(LXC_DIR, 'README.md');

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

test('the README excerpt of the deployment is the lxc/README.md sequence the test runs, line for line', () => {
  const tested = new Set([...commandLines(docBlock(LXC_README, 'build-machine')), ...commandLines(docBlock(LXC_README, 'proxmox-host'))]);
  const excerpt = commandLines(docBlock(join(REPO_DIR, 'README.md'), 'excerpt of lxc/README.md'));
  assert.ok(excerpt.length >= 3);
  for (const line of excerpt) assert.ok(tested.has(line), `README.md's "${line}" is run by this test (in lxc/README.md)`);
});

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
  const fake = join(LXC_DIR, 'test', 'fake-pve');

  await runOk(fake, ['create', '201', template, '--hostname', 'u', '--unprivileged', '1'], { env });
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

  await runOk(fake, ['create', '202', template, '--hostname', 'p', '--unprivileged', '0'], { env });
  const pRoot = join(lxcPath, '202', 'rootfs');
  assert.equal(owner(join(pRoot, 'etc')), '0:0', 'a privileged CT keeps the ids');
  assert.equal(owner(join(pRoot, 'etc', 'user-file')), '1000:1000');
  assert.ok(statSync(join(pRoot, 'dev', 'null')).isCharacterDevice());
  assert.doesNotMatch(readFileSync(join(lxcPath, '202', 'config'), 'utf8'), /lxc\.idmap|userns/);

  for (const id of ['201', '202']) await runOk(fake, ['destroy', id], { env });
  assert.equal((await run(fake, ['config', '201'], { env })).code, 255, 'destroyed CTs are gone');
});

/** Whether the admin API (the console's Connections page) lists a client of `deviceId` within 20 s. */
async function connectedDevices(d: { adminPort: number }, token: string, deviceId: string): Promise<boolean> {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
    const res = await fetch(`http://127.0.0.1:${d.adminPort}/v1/admin/connections`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200, await res.clone().text());
    if (((await res.json()) as { items: Array<{ deviceId: string | null }> }).items.some((c) => c.deviceId === deviceId)) return true;
  }
  return false;
}

test('the documented deployment runs as written and exposes MQTT, not the admin API', { skip, timeout: 570_000 }, async (t) => {
  const d = await prepareHost(t);
  for (const port of [d.httpPort, d.mqttPort, d.adminPort]) assert.equal(await listenerPid(port), undefined, `port ${port} is free before the CT starts`);
  const lan = await createLan(t);
  const token = async () => (await inContainer(d, 'cat', '/var/lib/arra-mq/admin-token')).trim();
  const cli = (...args: string[]) => run(join(d.work, 'pve-bin', 'pct'), ['exec', CTID, '--', 'arra-mq', ...args, '--json'], { env: d.pveEnv });

  await t.test("the build machine's block builds a release bundle from a source archive without .git", async () => {
    assert.equal(existsSync(join(d.sourceDir, '.git')), false);
    const res = await onBuildMachine(d, docBlock(LXC_README, 'build-machine'));
    assert.equal(res.code, 0, `build-machine block failed\n${res.stdout}\n${res.stderr}`);
    assert.match(res.stderr, /no git checkout at .*: bundling every file but node_modules/);
    const copied = (await runOk('ls', [join(d.pveRoot, 'arra-mq')])).split('\n');
    assert.ok(copied.includes('lxc'), 'scp -r copied the lxc folder');
    const bundles = copied.filter((f) => /^arra-mq-\S+\.tar\.gz$/.test(f));
    assert.equal(bundles.length, 1, 'one bundle on the Proxmox host');
    const release = await runOk('tar', ['-xzOf', join(d.pveRoot, 'arra-mq', bundles[0]!), './RELEASE']);
    assert.match(release, /^NODE_ABI=115$/m);
    assert.match(release, new RegExp(`^NODE_PLATFORM=${process.platform}$`, 'm'));
    assert.match(release, new RegExp(`^NODE_ARCH=${process.arch}$`, 'm'));
    const modes = await runOk('stat', ['-c', '%A %n', ...['setup.sh', 'install.sh', 'lib/backend-pct.sh'].map((f) => join(d.pveRoot, 'arra-mq', 'lxc', f))]);
    for (const line of modes.trim().split('\n')) assert.match(line, /^-rwx/, `${line}: executable as committed`);
  });

  await t.test("the Proxmox host's block, run as written without Node, creates and provisions CT 110", async () => {
    assert.notEqual((await run('bash', ['-c', 'command -v node'], { env: d.pveEnv })).code, 0, 'no node on the Proxmox host PATH');
    const res = await onProxmox(d, docBlock(LXC_README, 'proxmox-host'));
    assert.equal(res.code, 0, `proxmox-host block failed\n${res.stdout}\n${res.stderr}`);
    assert.match(res.stdout, /^would run: pct create 110 local:vztmpl\/debian-13-standard_13\.1-2_amd64\.tar\.zst .*--rootfs local-lvm:8 /m, 'the dry run names the template and the storage pvesm offers');
    assert.match(res.stdout, /^would run: pct start 110$/m, 'a CT that does not exist yet would be started');
    assert.match(res.stderr, /creating CT 110/);
    const config = (await pct(d, 'config', CTID)).stdout;
    assert.match(config, /^tags: arra-mq$/m);
    assert.match(config, /^unprivileged: 1$/m);
    assert.match(config, /^features: nesting=1$/m);
    assert.match(config, /^rootfs: local-lvm:8$/m);
    assert.equal((await pct(d, 'exec', CTID, '--', 'test', '-e', '/root/arra-mq-deploy')).code, 1, 'the staging folder is gone');
    const shown = await cli('device', 'show', 'sensor-1');
    assert.equal(shown.code, 0, `the documented provisioning created sensor-1: ${shown.stderr}`);
  });

  await t.test('the container is unprivileged, both units are active, verified and sandboxed', async () => {
    const idMap = new RegExp(`^\\s*0\\s+${USERNS_BASE}\\s+${USERNS_SIZE}\\s*$`);
    assert.match(await inContainer(d, 'cat', '/proc/self/uid_map'), idMap);
    assert.equal((await inContainer(d, 'systemctl', 'is-active', ...UNITS)).trim(), 'active\nactive');
    const verify = await pct(d, 'exec', CTID, '--', 'systemd-analyze', 'verify', ...UNITS.map((u) => `/etc/systemd/system/${u}`));
    assert.equal(verify.code, 0, verify.stderr);
    assert.equal(verify.stderr.trim(), '', 'systemd-analyze verify has no warnings');
    for (const { unit, port, pid } of await listeners(d)) {
      assert.match(cgroupOf(pid), new RegExp(`lxc\\.payload\\.${CTID}(-\\d+)?/system\\.slice/${unit}`), `port ${port} is served from inside the CT`);
      const status = procStatus(pid);
      const uid = Number(status.get('Uid')?.split(/\s+/)[0]);
      assert.ok(uid > USERNS_BASE && uid < USERNS_BASE + USERNS_SIZE, `${unit} runs as host uid ${uid}, inside the CT's range`);
      assert.equal(status.get('NoNewPrivs'), '1', `${unit}: NoNewPrivileges`);
      assert.equal(status.get('Seccomp'), '2', `${unit}: SystemCallFilter (seccomp filter mode)`);
      assert.equal(status.get('CapBnd'), '0000000000000000', `${unit}: empty CapabilityBoundingSet`);
      assert.ok(mountOptionsOf(pid, '/')?.includes('ro'), `${unit}: ProtectSystem=strict makes / read-only`);
      assert.ok(mountOptionsOf(pid, '/var/lib/arra-mq')?.includes('rw'), `${unit}: its StateDirectory stays writable`);
    }
  });

  await t.test('a device on the LAN publishes over the MQTT bind; the admin API and the webhooks do not answer there', async () => {
    for (const args of [
      ['device', 'add', 'dashboard', '--password', 'staple tuna pencil'],
      ['acl', 'add', '--device', 'dashboard', '--action', 'subscribe', '--topic', 'devices/+/temp', '--allow'],
    ]) {
      const res = await cli(...args);
      assert.equal(res.code, 0, `arra-mq ${args.join(' ')}: ${res.stderr}`);
    }
    const received = lan.exec('mosquitto_sub', [...mqttAuth(d, lan.ctAddress, 'dashboard', 'staple tuna pencil'), '-t', 'devices/+/temp', '-C', '1', '-W', '20', '-v'], 30_000);
    assert.ok(await connectedDevices(d, await token(), 'dashboard'), 'the verifier lists the subscriber through the broker\'s control socket');
    await new Promise((r) => setTimeout(r, 1000));
    const pub = await lan.exec('mosquitto_pub', [...mqttAuth(d, lan.ctAddress, 'sensor-1', 'correct horse battery'), '-q', '1', '-t', 'devices/sensor-1/temp', '-m', '21.5']);
    assert.equal(pub.code, 0, `the documented device publishes from the LAN: ${pub.stderr}`);
    const sub = await received;
    assert.equal(sub.code, 0, sub.stderr);
    assert.equal(sub.stdout.trim(), 'devices/sensor-1/temp 21.5');
    const refused = await lan.exec('mosquitto_pub', [...mqttAuth(d, lan.ctAddress, 'sensor-1', 'wrong password'), '-q', '1', '-t', 'devices/sensor-1/temp', '-m', 'x']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Bad User Name or Password|Not authorized/);

    assert.equal(await lan.reaches(d.mqttPort), true);
    assert.equal(await lan.reaches(d.adminPort), false, 'the admin API is not reachable from the LAN');
    assert.equal(await lan.reaches(d.httpPort), false, 'the webhook listener is not reachable from the LAN');
    const onWebhook = await fetch(`http://127.0.0.1:${d.httpPort}/v1/admin/devices`, { headers: { authorization: `Bearer ${await token()}` } });
    assert.equal(onWebhook.status, 404, 'the admin API does not answer on the webhook listener, even with the token');
    assert.equal((await fetch(`http://127.0.0.1:${d.adminPort}/v1/admin/devices`, { headers: { authorization: `Bearer ${await token()}` } })).status, 200);
  });

  await t.test('warnings reach the journal as warnings, and the broker started after the verifier answered', async () => {
    const warnings = await inContainer(d, 'journalctl', '-p', 'warning', '-u', 'arra-mq-verifier', '-o', 'cat', '--no-pager');
    assert.match(warnings, /"msg":"authenticate denied"/, 'the refused login is in journalctl -p warning');
    assert.doesNotMatch(warnings, /"msg":"verifier listening"/, 'info lines are not');
    assert.doesNotMatch(warnings, /^<\d>/m, 'journald took the priority prefix off');
    const show = async (unit: string, property: string) => Number((await inContainer(d, 'systemctl', 'show', `--property=${property}`, '--value', unit)).trim());
    const verifierReady = await show('arra-mq-verifier', 'ActiveEnterTimestampMonotonic');
    const brokerStarted = await show('arra-mq-broker', 'ExecMainStartTimestampMonotonic');
    assert.ok(verifierReady > 0 && verifierReady <= brokerStarted, `verifier active at ${verifierReady}, broker started at ${brokerStarted}`);
  });

  await t.test('a re-run changes nothing and restarts nothing; its dry run does not start a running CT', async () => {
    const pidsBefore = await mainPids(d);
    const dry = await setup(d, '--dry-run', '--bundle', (await runOk('ls', [join(d.pveRoot, 'arra-mq')])).split('\n').find((f) => f.endsWith('.tar.gz'))!);
    assert.equal(dry.code, 0, dry.stderr);
    assert.doesNotMatch(dry.stdout, /pct (start|create)/);
    const again = await onProxmox(d, commandLines(docBlock(LXC_README, 'proxmox-host')).filter((l) => l.startsWith('cd ') || l.startsWith('lxc/setup.sh --bundle')).join('\n'));
    assert.equal(again.code, 0, `setup.sh re-run failed\n${again.stdout}\n${again.stderr}`);
    assert.match(again.stderr, /exists and is ours/);
    assert.doesNotMatch(again.stderr, /installing release|restarting|setting ARRA_/);
    assert.equal(await mainPids(d), pidsBefore, 'no service was restarted');
  });

  const keptFiles = ['/var/lib/arra-mq/admin-token', '/var/lib/arra-mq/webhook-secret', '/var/lib/arra-mq/registry.sqlite'];
  /**
   * The kept files' hashes and the env file's text, read with the services stopped so the registry's
   * WAL is checkpointed; `restart` starts them again (an update or a CT start does it otherwise).
   */
  const snapshot = async (restart: boolean) => {
    await inContainer(d, 'systemctl', 'stop', ...UNITS);
    const hashes = (await Promise.all(keptFiles.map((f) => inContainer(d, 'sha256sum', f)))).join('');
    const env = await inContainer(d, 'cat', '/etc/arra-mq/env');
    if (restart) await inContainer(d, 'systemctl', 'start', ...UNITS);
    return { hashes, env };
  };
  let kept: Awaited<ReturnType<typeof snapshot>>;
  /** The update's bundle on the Proxmox host: the release that runs from then on. */
  let updated = '';

  // Issue 17: what the broker acknowledged survives the update (it restarts the broker unit).
  const dashboard = (...args: string[]) => lan.exec('mosquitto_sub', [...mqttAuth(d, lan.ctAddress, 'dashboard', 'staple tuna pencil'), '-q', '1', '-t', 'devices/+/temp', ...args], 30_000);
  await t.test('before the update: a persistent session with a QoS 1 message queued for it, and a retained message', async () => {
    const subscribed = await dashboard('-c', '-E');
    assert.equal(subscribed.code, 0, subscribed.stderr);
    const pub = await lan.exec('mosquitto_pub', [...mqttAuth(d, lan.ctAddress, 'sensor-1', 'correct horse battery'), '-q', '1', '-r', '-t', 'devices/sensor-1/temp', '-m', 'kept']);
    assert.equal(pub.code, 0, pub.stderr);
  });

  await t.test('an update keeps the admin token, webhook secret and registry byte for byte, the env file but for the port asked to move', async () => {
    const before = await snapshot(false);
    let moved = await freePort();
    while ([d.httpPort, d.mqttPort, d.adminPort].includes(moved)) moved = await freePort();
    updated = await nextBundle(d, 'feedfacecafe');
    const update = await setup(d, '--bundle', updated, '--admin-port', String(moved), '--with-nanomq', '--with-mosquitto');
    assert.equal(update.code, 0, `setup.sh update failed\n${update.stdout}\n${update.stderr}`);
    assert.match(update.stderr, /installing release \S+-feedfacecafe/);
    assert.match(update.stderr, new RegExp(`setting ARRA_ADMIN_PORT=${moved} in /etc/arra-mq/env \\(was ${d.adminPort}\\)`));
    assert.ok(await listenerPid(moved), 'the admin API listens on the new port');
    assert.equal(await listenerPid(d.adminPort), undefined, 'and no longer on the old one');
    assert.equal((await cli('device', 'show', 'sensor-1')).code, 0, 'pct exec 110 -- arra-mq follows it');
    kept = await snapshot(false);
    assert.equal(kept.hashes, before.hashes, 'the update kept the secrets and the registry');
    assert.equal(kept.env, before.env.replace(`\nARRA_ADMIN_PORT=${d.adminPort}\n`, `\nARRA_ADMIN_PORT=${moved}\n`), 'the env file changed in that line only');
    // From now on the port is the one setup.sh reads from the environment, as an operator's would be.
    d.adminPort = moved;
    d.buildEnv.ARRA_ADMIN_PORT = d.pveEnv.ARRA_ADMIN_PORT = String(moved);
  });

  await t.test('a restart of the CT keeps them byte for byte, and the device connects again', async () => {
    for (const step of ['stop', 'start']) {
      const res = await pct(d, step, CTID);
      assert.equal(res.code, 0, res.stderr);
    }
    await waitFor(async () => (await lan.reaches(d.mqttPort)), 90_000, 'the broker back after the CT restart');
    assert.deepEqual(await snapshot(true), kept);
    // The broker unit counts as started when its process runs; its listener follows a moment later.
    await waitFor(async () => (await lan.reaches(d.mqttPort)), 30_000, 'the broker listening again');
    const pub = await lan.exec('mosquitto_pub', [...mqttAuth(d, lan.ctAddress, 'sensor-1', 'correct horse battery'), '-q', '1', '-t', 'devices/sensor-1/temp', '-m', '22']);
    assert.equal(pub.code, 0, `the device still connects after the restart: ${pub.stderr}`);
  });

  // The update restarted the broker on the new release; the snapshots since stopped it, and the CT restarted.
  await t.test('after the update the persistent session gets its queued message, and a new subscription the retained one', async () => {
    const resumed = await dashboard('-c', '-C', '1', '-W', '20', '-v');
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(resumed.stdout.trim(), 'devices/sensor-1/temp kept', 'the queued QoS 1 message survived the update');
    const retained = await dashboard('-C', '1', '-W', '20', '-v', '--retained-only');
    assert.equal(retained.code, 0, retained.stderr);
    assert.equal(retained.stdout.trim(), 'devices/sensor-1/temp kept', 'the retained message survived the update');
  });

  await t.test('an env file from before the split (one ARRA_BIND for all) is migrated: MQTT keeps it, the verifier goes to loopback', async () => {
    await inContainer(d, 'sed', '-i', '-e', '/^ARRA_\\(MQTT\\|WEBHOOK\\|ADMIN\\)_BIND=/d', '-e', '$a ARRA_BIND=0.0.0.0', '/etc/arra-mq/env');
    const res = await setup(d, '--bundle', updated);
    assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
    for (const line of ['ARRA_MQTT_BIND=0.0.0.0', 'ARRA_WEBHOOK_BIND=127.0.0.1', 'ARRA_ADMIN_BIND=127.0.0.1']) {
      assert.match(res.stderr, new RegExp(`setting ${line.replaceAll('.', '\\.')} in /etc/arra-mq/env`), line);
    }
    await waitFor(async () => (await lan.reaches(d.mqttPort)), 30_000, 'the broker listening again');
    assert.equal(await lan.reaches(d.adminPort), false, 'the admin API stays off the LAN');
    assert.equal(await lan.reaches(d.httpPort), false, 'so do the webhooks');
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

  await t.test('the written NanoMQ and Mosquitto configs, loaded by the real brokers, let the device in through this verifier', async (st) => {
    // Their helpers fill what an operator fills; aimed at port 1 with a wrong secret, so only what
    // install.sh wrote (the CT's verifier port and secret) can make a CONNECT succeed.
    const unfilled = { host: '127.0.0.1', port: 1, secret: 'not-the-webhook-secret' };
    const brokers = [
      {
        name: 'nanomq',
        missing: nanomqMissing(),
        start: async (conf: string, port: number) => startNanomq(st, tools().nanomq, { conf: nanomqConfig(conf, unfilled, { mqtt: port, http: await freePort() }), port }),
      },
      {
        name: 'mosquitto',
        missing: goAuthMissing(),
        start: (conf: string, port: number) => startMosquitto(st, tools().mosquitto, { conf: mosquittoConfig(conf, unfilled, port, tools().goAuthPlugin), port }),
      },
    ];
    for (const broker of brokers) {
      if (broker.missing) console.log(`# ${broker.name}: skipped: ${broker.missing}`);
      await st.test(`/etc/arra-mq/adapters/${broker.name}.conf`, { skip: broker.missing ?? false }, async () => {
        const port = await freePort();
        await broker.start(await inContainer(d, 'cat', `/etc/arra-mq/adapters/${broker.name}.conf`), port);
        const pub = (password: string) =>
          run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-i', 'sensor-1', '-u', 'sensor-1', '-P', password, '-q', '1', '-t', 'devices/sensor-1/temp', '-m', '23'], { timeoutMs: 20_000 });
        const allowed = await pub('correct horse battery');
        assert.equal(allowed.code, 0, `${broker.name} let sensor-1 in, asking the CT's verifier: ${allowed.stderr}`);
        assert.notEqual((await pub('wrong password')).code, 0, `${broker.name} refused a wrong password`);
      });
    }
  });

  await t.test('a new release that fails its health check is rolled back and the old one serves again', async () => {
    const update = await setup(d, '--bundle', await nextBundle(d, 'badbadbadbad', true), '--health-timeout', '8');
    assert.notEqual(update.code, 0, 'setup.sh reports the failed update');
    assert.match(update.stderr, /rolled back to \S+-feedfacecafe, which is running/);
    assert.match(await inContainer(d, 'readlink', '/opt/arra-mq/current'), /^releases\/\S+-feedfacecafe$/m);
    assert.equal((await fetch(`http://127.0.0.1:${d.httpPort}/healthz`)).status, 200);
    assert.equal((await pct(d, 'exec', CTID, '--', 'test', '-e', '/root/arra-mq-deploy')).code, 1, 'the failed install left no staging folder');
    assert.equal((await cli('device', 'show', 'sensor-1')).code, 0, 'the device survived the failed update');
  });

  await t.test('--admin-bind off loopback serves the admin API over TLS from the server CA, verified with server-ca.pem', async () => {
    const res = await setup(d, '--bundle', updated, '--admin-bind', '0.0.0.0');
    assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
    assert.match(res.stdout, new RegExp(`Operators \\(admin API\\): +https://127\\.0\\.0\\.1:${d.adminPort}`));
    const ca = join(d.work, 'server-ca.pem');
    writeFileSync(ca, await inContainer(d, 'cat', '/var/lib/arra-mq/server-ca.pem'));
    const url = `https://${lan.ctAddress}:${d.adminPort}/v1/admin/devices`;
    const tls = await lan.exec('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', ca, url]);
    assert.equal(tls.stdout, '401', `verified TLS from the management side, then the token is asked: ${tls.stderr}`);
    const plain = await lan.exec('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', url.replace('https:', 'http:')]);
    assert.notEqual(plain.stdout, '401', 'no plain HTTP answer');
    const untrusted = await lan.exec('curl', ['-sS', '-o', '/dev/null', url]);
    assert.notEqual(untrusted.code, 0, 'a client without the server CA refuses the certificate');
  });

  const pgSkip = postgresUnavailable();
  await t.test("--database-url-file moves the replica onto the operator's PostgreSQL; the secrets show nowhere", { skip: pgSkip ?? false }, async (st) => {
    // The CT shares the host's network, so the throwaway cluster on the host's 127.0.0.1 is "the operator's".
    const [first, second] = [await scratchDatabase(), await scratchDatabase()];
    st.after(async () => {
      await Promise.all([first.drop(), second.drop()]);
      await stopTestCluster();
    });
    // The test cluster trusts local connections: a password in the URL is carried but not needed.
    const password = decodeURIComponent(new URL(first.url).password) || 'pg-password-never-shown';
    const withPassword = (url: string) => Object.assign(new URL(url), { password: encodeURIComponent(password) }).href;
    const secrets = { url: withPassword(first.url), key: 'kek-text-never-shown-0123456789', webhook: 'webhook-text-never-shown-0123' };
    const hostFile = (name: string, text: string) => writeFileSync(join(d.pveRoot, 'arra-mq', name), `${text}\n`, { mode: 0o600 });
    hostFile('database-url', secrets.url);
    hostFile('key-encryption-key', secrets.key);
    hostFile('webhook-secret', secrets.webhook);
    const flags = ['--database-url-file', 'database-url', '--key-encryption-key-file', 'key-encryption-key', '--webhook-secret-file', 'webhook-secret'];
    const leaks = (text: string) => [password, secrets.key, secrets.webhook].filter((s) => text.includes(s));

    // The CT's SQLite registry comes along as lxc/README.md says: services stopped, the file copied out
    // (here straight from the rootfs) and into the empty database by the copy script, with the same key.
    await inContainer(d, 'systemctl', 'stop', ...UNITS);
    const copyDir = mkdtempSync(join(d.work, 'registry-copy-'));
    const registry = join(d.lxcPath, CTID, 'rootfs', 'var', 'lib', 'arra-mq', 'registry.sqlite');
    for (const suffix of ['', '-wal']) if (existsSync(registry + suffix)) copyFileSync(registry + suffix, join(copyDir, `registry.sqlite${suffix}`));
    writeFileSync(join(copyDir, 'key-encryption-key'), `${secrets.key}\n`, { mode: 0o600 });
    const copy = await run(process.execPath, ['--import', 'tsx', 'scripts/copy-registry-to-postgres.ts'], {
      cwd: REPO_DIR,
      env: { PATH: process.env.PATH, ARRA_DATA_DIR: copyDir, ARRA_DATABASE_URL: first.url },
    });
    assert.equal(copy.code, 0, `the copy script: ${copy.stderr}`);

    const dry = await setup(d, '--dry-run', '--bundle', updated, ...flags);
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(leaks(dry.stdout + dry.stderr), [], 'the dry run prints no secret');
    const res = await setup(d, '--bundle', updated, ...flags);
    assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
    assert.match(res.stderr, /setting ARRA_DATABASE_URL_FILE=\/etc\/arra-mq\/database-url in \/etc\/arra-mq\/env/);
    assert.match(res.stdout, /Registry: +PostgreSQL \(the URL in \/etc\/arra-mq\/database-url\)/);
    assert.deepEqual(leaks(res.stdout + res.stderr), [], 'setup.sh and install.sh print no secret');
    const modes = await inContainer(d, 'stat', '-c', '%a %U:%G %n', '/etc/arra-mq/database-url', '/var/lib/arra-mq/key-encryption-key', '/var/lib/arra-mq/webhook-secret');
    assert.equal(modes, '640 root:arra-mq /etc/arra-mq/database-url\n600 arra-mq:arra-mq /var/lib/arra-mq/key-encryption-key\n600 arra-mq:arra-mq /var/lib/arra-mq/webhook-secret\n');
    assert.equal((await inContainer(d, 'cat', '/var/lib/arra-mq/webhook-secret')).trim(), secrets.webhook);
    assert.match(await inContainer(d, 'cat', '/etc/arra-mq/adapters/nanomq.conf'), new RegExp(secrets.webhook), 'the broker configs carry the new webhook secret');
    assert.equal((await fetch(`http://127.0.0.1:${d.httpPort}/healthz`)).status, 200);

    for (const args of [
      ['device', 'add', 'pg-sensor', '--password', 'tall cedar lantern'],
      ['acl', 'add', '--device', 'pg-sensor', '--action', 'publish', '--topic', 'devices/pg-sensor/#', '--allow'],
    ]) {
      const added = await cli(...args);
      assert.equal(added.code, 0, `arra-mq ${args.join(' ')}: ${added.stderr}`);
    }
    assert.equal((await cli('device', 'show', 'sensor-1')).code, 0, 'the device of the SQLite registry came along');
    const db = new pg.Client({ connectionString: first.url });
    await db.connect();
    try {
      const rows = await db.query<{ id: string; enabled: boolean }>("SELECT id, enabled FROM devices WHERE id = 'pg-sensor'");
      assert.deepEqual(rows.rows, [{ id: 'pg-sensor', enabled: true }], 'the device made through the CT is in PostgreSQL');
    } finally {
      await db.end();
    }
    await waitFor(async () => lan.reaches(d.mqttPort), 30_000, 'the broker listening again');
    const pub = await lan.exec('mosquitto_pub', [...mqttAuth(d, lan.ctAddress, 'pg-sensor', 'tall cedar lantern'), '-q', '1', '-t', 'devices/pg-sensor/temp', '-m', '19']);
    assert.equal(pub.code, 0, `the broker admits a device of the PostgreSQL registry: ${pub.stderr}`);
    const copied = await lan.exec('mosquitto_pub', [...mqttAuth(d, lan.ctAddress, 'sensor-1', 'correct horse battery'), '-q', '1', '-t', 'devices/sensor-1/temp', '-m', '20']);
    assert.equal(copied.code, 0, `and the copied device with its copied password and rule: ${copied.stderr}`);

    const verifierPid = await listenerPid(d.httpPort);
    assert.ok(verifierPid);
    const environ = readFileSync(`/proc/${verifierPid}/environ`, 'utf8');
    assert.match(environ, /ARRA_DATABASE_URL_FILE=\/etc\/arra-mq\/database-url/);
    assert.deepEqual(leaks(environ + readFileSync(`/proc/${verifierPid}/cmdline`, 'utf8')), [], 'no secret in the verifier\'s environment or command line');
    const journal = await inContainer(d, 'journalctl', '-u', 'arra-mq-verifier', '-u', 'arra-mq-broker', '-o', 'cat', '--no-pager');
    assert.deepEqual(leaks(journal), [], 'no secret in the journal');
    assert.equal((await pct(d, 'exec', CTID, '--', 'test', '-e', '/root/arra-mq-deploy')).code, 1, 'the pushed files went with the staging folder');

    const pidsBefore = await mainPids(d);
    const kept = await setup(d, '--bundle', updated);
    assert.equal(kept.code, 0, kept.stderr);
    assert.doesNotMatch(kept.stderr, /writing|replacing|setting ARRA_/);
    assert.equal(await mainPids(d), pidsBefore, 'a re-run without the flags keeps the files and restarts nothing');

    hostFile('database-url', withPassword(second.url));
    const moved = await setup(d, '--bundle', updated, ...flags);
    assert.equal(moved.code, 0, `${moved.stdout}\n${moved.stderr}`);
    assert.match(moved.stderr, /writing \/etc\/arra-mq\/database-url/);
    assert.doesNotMatch(moved.stderr, /key-encryption-key|webhook-secret/, 'unchanged files are left alone');
    assert.notEqual((await cli('device', 'show', 'pg-sensor')).code, 0, 'the replica now reads the other database');
  });
});

async function waitFor(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
