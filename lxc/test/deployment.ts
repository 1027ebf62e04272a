/**
 * The LXC deployment test's side of the host: a temporary lxcpath with the fake `pct` on PATH, the
 * Debian 13 rootfs and the bundle, free ports, and the ways the test drives and inspects CT 110
 * (setup.sh, `pct exec`, the CLI, mosquitto_* arguments, the listeners' host pids).
 *
 * @module lxc/test/deployment
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { cleanEnv, freePort, listenerPid, run, runOk } from './host.js';

export const LXC_DIR = resolve(import.meta.dirname, '..');
const REPO_DIR = resolve(LXC_DIR, '..');
/** Where the rootfs tarball and the bundle's production dependencies are cached between runs. */
const CACHE_DIR = process.env.ARRA_TEST_CACHE ?? '/var/cache/arra-mq-test';
export const CTID = '110';
export const UNITS = ['arra-mq-verifier.service', 'arra-mq-broker.service'] as const;

export interface Deployment {
  env: NodeJS.ProcessEnv;
  work: string;
  bundle: string;
  lxcPath: string;
  httpPort: number;
  mqttPort: number;
}

/**
 * Temporary lxcpath with a fake `pct` on PATH; the container and the folder go away after the test,
 * also when it fails. Root's subordinate ids (see `subids.ts`) are the caller's business.
 */
export async function prepareHost(t: TestContext): Promise<Deployment> {
  const work = mkdtempSync(join(tmpdir(), 'arra-lxc-test-'));
  // The unprivileged CT's root (host uid 100000) must reach its rootfs below this folder.
  chmodSync(work, 0o711);
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

export function setup(d: Deployment, ...args: string[]) {
  return run('bash', [join(LXC_DIR, 'setup.sh'), ...args], { env: d.env, timeoutMs: 180_000 });
}

export function inContainer(d: Deployment, ...cmd: string[]) {
  return runOk('pct', ['exec', CTID, '--', ...cmd], { env: d.env });
}

/** The host pid listening on each unit's port (verifier: HTTP, broker: MQTT); asserts there is one. */
export async function listeners(d: Deployment): Promise<{ unit: string; pid: number }[]> {
  const byUnit = [
    [UNITS[0], d.httpPort],
    [UNITS[1], d.mqttPort],
  ] as const;
  return Promise.all(
    byUnit.map(async ([unit, port]) => {
      const pid = await listenerPid(port);
      assert.ok(pid, `something listens on ${port}`);
      return { unit, pid };
    }),
  );
}

export async function mainPids(d: Deployment): Promise<string> {
  return inContainer(d, 'systemctl', 'show', '--property=MainPID', ...UNITS);
}

/**
 * The same bundle under another release hash, as the next build of changed sources would be;
 * `broken` makes its verifier exit at once, as a release with a start-up bug would.
 */
export async function nextBundle(d: Deployment, hash: string, broken = false): Promise<string> {
  const dir = join(d.work, `bundle-${hash}`);
  mkdirSync(dir);
  await runOk('tar', ['-xzf', d.bundle, '-C', dir]);
  await runOk('sed', ['-i', `s/^ARRA_HASH=.*/ARRA_HASH=${hash}/`, join(dir, 'RELEASE')]);
  if (broken) writeFileSync(join(dir, 'dist', 'verifier', 'main.js'), 'process.exit(3);\n');
  const tarball = join(d.work, `arra-mq-next-${hash}.tar.gz`);
  await runOk('tar', ['-C', dir, '-czf', tarball, '.']);
  return tarball;
}

export async function cli(d: Deployment, token: string, ...args: string[]) {
  const url = `http://127.0.0.1:${d.httpPort}`;
  return run(process.execPath, [join(REPO_DIR, 'bin', 'arra-mq.js'), '--url', url, '--token', token, ...args, '--json'], {
    cwd: REPO_DIR,
  });
}

export function mqttAuth(d: Deployment, device: string, password: string): string[] {
  return ['-h', '127.0.0.1', '-p', String(d.mqttPort), '-V', '5', '-i', device, '-u', device, '-P', password];
}
