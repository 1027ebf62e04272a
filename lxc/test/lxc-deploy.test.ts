/**
 * The real deployment test: the unmodified `lxc/setup.sh` creates CT 110 from a Debian 13 (trixie)
 * rootfs through a fake `pct` backed by lxc-* (see `fake-pct`), installs the bundle built by
 * `lxc/bundle.sh`, and the host then checks the result over 127.0.0.1: units active, `/healthz`
 * served from inside the container, a CLI-provisioned device publishing through the broker, and a
 * re-run that changes nothing and keeps the data. The container shares the host's network, so the
 * test picks ports that are free on the host and passes them to setup.sh.
 *
 * Needs root and Debian's lxc, debootstrap, zstd, mosquitto-clients; otherwise it is skipped and says
 * why. The rootfs tarball is cached in $ARRA_TEST_CACHE (default /var/cache/arra-mq-test), as are
 * the bundle's production dependencies; $ARRA_TEST_BUNDLE uses a prebuilt bundle instead of building.
 *
 * @module lxc/test/lxc-deploy.test
 */
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test, type TestContext } from 'node:test';
import { cgroupOf, cleanEnv, freePort, listenerPid, lxcUnavailableReason, run, runOk } from './host.js';

const LXC_DIR = resolve(import.meta.dirname, '..');
const REPO_DIR = resolve(LXC_DIR, '..');
const CACHE_DIR = process.env.ARRA_TEST_CACHE ?? '/var/cache/arra-mq-test';
const CTID = '110';
const UNITS = ['arra-mq-verifier.service', 'arra-mq-broker.service'];

interface Deployment {
  env: NodeJS.ProcessEnv;
  work: string;
  bundle: string;
  lxcPath: string;
  httpPort: number;
  mqttPort: number;
}

const skip = await lxcUnavailableReason();
if (skip) console.log(`# lxc-deploy.test.ts skipped: ${skip}`);

/** Temporary lxcpath with a fake `pct` on PATH; the container and folder go away after the test. */
async function prepareHost(t: TestContext): Promise<Deployment> {
  const work = mkdtempSync(join(tmpdir(), 'arra-lxc-test-'));
  const lxcPath = join(work, 'lxc');
  const bin = join(work, 'bin');
  mkdirSync(lxcPath);
  mkdirSync(bin);
  symlinkSync(join(LXC_DIR, 'test', 'fake-pct'), join(bin, 'pct'));
  t.after(async () => {
    await run('lxc-stop', ['-P', lxcPath, '-n', CTID, '-k'], { timeoutMs: 30_000 });
    await run('lxc-destroy', ['-P', lxcPath, '-n', CTID], { timeoutMs: 30_000 });
    rmSync(work, { recursive: true, force: true });
  });

  const rootfs = (await runOk(join(LXC_DIR, 'test', 'make-rootfs.sh'), [CACHE_DIR], { timeoutMs: 240_000 })).trim();
  const bundle =
    process.env.ARRA_TEST_BUNDLE ??
    (
      await runOk(join(LXC_DIR, 'bundle.sh'), ['--out', join(work, 'bundle')], {
        env: { ...process.env, ARRA_BUNDLE_CACHE: join(CACHE_DIR, 'bundle') },
        timeoutMs: 240_000,
      })
    ).trim();
  const httpPort = await freePort();
  let mqttPort = await freePort();
  while (mqttPort === httpPort) mqttPort = await freePort();
  return {
    work,
    bundle,
    lxcPath,
    httpPort,
    mqttPort,
    env: {
      ...cleanEnv(),
      PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      FAKE_PCT_LXCPATH: lxcPath,
      ARRA_TEMPLATE: rootfs,
      ARRA_BUNDLE: bundle,
      ARRA_HTTP_PORT: String(httpPort),
      ARRA_MQTT_PORT: String(mqttPort),
    },
  };
}

function setup(d: Deployment, ...args: string[]) {
  return run('bash', [join(LXC_DIR, 'setup.sh'), ...args], { env: d.env, timeoutMs: 180_000 });
}

function inContainer(d: Deployment, ...cmd: string[]) {
  return runOk('pct', ['exec', CTID, '--', ...cmd], { env: d.env });
}

async function mainPids(d: Deployment): Promise<string> {
  return inContainer(d, 'systemctl', 'show', '--property=MainPID', ...UNITS);
}

/**
 * The same bundle under another release hash, as the next build of changed sources would be;
 * `broken` makes its verifier exit at once, as a release with a start-up bug would.
 */
async function nextBundle(d: Deployment, hash: string, broken = false): Promise<string> {
  const dir = join(d.work, `bundle-${hash}`);
  mkdirSync(dir);
  await runOk('tar', ['-xzf', d.bundle, '-C', dir]);
  await runOk('sed', ['-i', `s/^ARRA_HASH=.*/ARRA_HASH=${hash}/`, join(dir, 'RELEASE')]);
  if (broken) writeFileSync(join(dir, 'dist', 'verifier', 'main.js'), 'process.exit(3);\n');
  const tarball = join(d.work, `arra-mq-next-${hash}.tar.gz`);
  await runOk('tar', ['-C', dir, '-czf', tarball, '.']);
  return tarball;
}

async function cli(d: Deployment, token: string, ...args: string[]) {
  const url = `http://127.0.0.1:${d.httpPort}`;
  return run(process.execPath, [join(REPO_DIR, 'bin', 'arra-mq.js'), '--url', url, '--token', token, ...args, '--json'], {
    cwd: REPO_DIR,
  });
}

function mqttAuth(d: Deployment, device: string, password: string): string[] {
  return ['-h', '127.0.0.1', '-p', String(d.mqttPort), '-V', '5', '-i', device, '-u', device, '-P', password];
}

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
    for (const [port, unit] of [[d.httpPort, UNITS[0]], [d.mqttPort, UNITS[1]]] as const) {
      const pid = await listenerPid(port);
      assert.ok(pid, `something listens on ${port}`);
      assert.match(cgroupOf(pid), new RegExp(`lxc\\.payload\\.${CTID}/system\\.slice/${unit}`));
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
