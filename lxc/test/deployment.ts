/**
 * The LXC deployment test's side of the host: a temporary lxcpath and "Proxmox host" (/root of its
 * own, `pct`/`pvesm`/`pveam` stand-ins, no Node on PATH), a "build machine" (an unpacked source archive
 * without .git, `ssh`/`scp` to the Proxmox host), the Debian 13 rootfs as the template `pveam`
 * downloads, free ports, and the ways the test drives and inspects CT 110.
 *
 * @module lxc/test/deployment
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { cleanEnv, freePort, linkTool, listenerPid, nodelessBin, run, runOk } from './host.js';

export const LXC_DIR = resolve(import.meta.dirname, '..');
export const REPO_DIR = resolve(LXC_DIR, '..');
/** Where the rootfs tarball and the bundle's production dependencies are cached between runs. */
const CACHE_DIR = process.env.ARRA_TEST_CACHE ?? '/var/cache/arra-mq-test';
export const CTID = '110';
export const UNITS = ['arra-mq-verifier.service', 'arra-mq-broker.service'] as const;

export interface Deployment {
  work: string;
  lxcPath: string;
  /** The build machine's environment: the source archive's folder is `sourceDir`. */
  buildEnv: NodeJS.ProcessEnv;
  sourceDir: string;
  /** The Proxmox host's environment (no Node on PATH); its /root is `pveRoot`. */
  pveEnv: NodeJS.ProcessEnv;
  pveRoot: string;
  httpPort: number;
  mqttPort: number;
  adminPort: number;
}

async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  return ports;
}

/**
 * The source tree as a release archive has it: the repository's files, no .git. Built from git's file
 * list when the repository is a checkout, else copied without what the tree builds or installs.
 */
async function unpackSourceArchive(into: string): Promise<void> {
  mkdirSync(into);
  const list =
    (await run('git', ['-C', REPO_DIR, 'rev-parse', '--is-inside-work-tree'])).code === 0
      ? 'git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d "" f; do [ -f "$f" ] && printf "%s\\0" "$f"; done'
      : 'find . \\( -path ./node_modules -o -path ./dist -o -path ./data -o -path ./.tmp -o -path ./.git \\) -prune -o -type f -printf "%P\\0"';
  await runOk('bash', ['-c', `cd "$1" && { ${list}; } | tar --null -T - -cf - | tar -C "$2" -xf -`, 'bash', REPO_DIR, into]);
}

/**
 * The whole stage, removed after the test (also when it fails): containers, folders. Root's
 * subordinate ids (see `subids.ts`) are the caller's business.
 */
export async function prepareHost(t: TestContext): Promise<Deployment> {
  const work = mkdtempSync(join(tmpdir(), 'arra-lxc-test-'));
  // The unprivileged CT's root (host uid 100000) must reach its rootfs below this folder.
  chmodSync(work, 0o711);
  const lxcPath = join(work, 'lxc');
  mkdirSync(lxcPath);
  t.after(async () => {
    await run('lxc-stop', ['-P', lxcPath, '-n', CTID, '-k'], { timeoutMs: 30_000 });
    await run('lxc-destroy', ['-P', lxcPath, '-n', CTID], { timeoutMs: 30_000 });
    rmSync(work, { recursive: true, force: true });
  });
  const template = (await runOk(join(LXC_DIR, 'test', 'make-rootfs.sh'), [CACHE_DIR], { timeoutMs: 240_000 })).trim();
  const sourceDir = join(work, 'arra-mq-source');
  await unpackSourceArchive(sourceDir);
  const pveRoot = join(work, 'pve-root');
  mkdirSync(pveRoot, { mode: 0o700 });
  const pveBin = linkTool(join(work, 'pve-bin'), join(LXC_DIR, 'test', 'fake-pve'), ['pct', 'pvesm', 'pveam']);
  const buildBin = linkTool(join(work, 'build-bin'), join(LXC_DIR, 'test', 'fake-hosts'), ['ssh', 'scp', 'npm']);
  const [httpPort, mqttPort, adminPort] = (await freePorts(3)) as [number, number, number];
  // The CT shares the host's network here, so its ports must be free on the host: the documented
  // commands keep their flags, the ports come from the variables setup.sh reads.
  const shared = {
    ...cleanEnv(),
    FAKE_PCT_LXCPATH: lxcPath,
    FAKE_PVEAM_TEMPLATE: template,
    FAKE_PVE_ROOT: pveRoot,
    ARRA_HTTP_PORT: String(httpPort),
    ARRA_MQTT_PORT: String(mqttPort),
    ARRA_ADMIN_PORT: String(adminPort),
  };
  const pvePath = `${pveBin}:${nodelessBin(join(work, 'nodeless-bin'))}`;
  return {
    work,
    lxcPath,
    sourceDir,
    pveRoot,
    httpPort,
    mqttPort,
    adminPort,
    buildEnv: {
      ...shared,
      PATH: `${buildBin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      FAKE_NPM_MODULES: join(REPO_DIR, 'node_modules'),
      FAKE_PVE_PATH: pvePath,
      ARRA_BUNDLE_CACHE: join(CACHE_DIR, 'bundle'),
    },
    pveEnv: { ...shared, PATH: pvePath },
  };
}

/** Runs a documented block on the build machine, in the source archive, stopping at the first failure. */
export function onBuildMachine(d: Deployment, block: string) {
  return run('bash', ['-c', `set -euo pipefail\n${block}`], { env: d.buildEnv, cwd: d.sourceDir, timeoutMs: 400_000 });
}

/** Runs commands on the Proxmox host (through the fake ssh), stopping at the first failure. */
export function onProxmox(d: Deployment, script: string) {
  return run(join(d.work, 'build-bin', 'ssh'), ['root@pve', `set -euo pipefail\n${script}`], { env: d.buildEnv, timeoutMs: 400_000 });
}

/** `lxc/setup.sh ARGS` on the Proxmox host, with the copied bundle. */
export function setup(d: Deployment, ...args: string[]) {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return onProxmox(d, `cd /root/arra-mq && lxc/setup.sh ${quoted}`);
}

export function inContainer(d: Deployment, ...cmd: string[]) {
  return runOk(join(d.work, 'pve-bin', 'pct'), ['exec', CTID, '--', ...cmd], { env: d.pveEnv });
}

export function pct(d: Deployment, ...args: string[]) {
  return run(join(d.work, 'pve-bin', 'pct'), args, { env: d.pveEnv, timeoutMs: 120_000 });
}

/** The host pid listening on each port of the deployment; asserts there is one. */
export async function listeners(d: Deployment): Promise<{ unit: string; port: number; pid: number }[]> {
  const byPort = [
    [UNITS[0], d.httpPort],
    [UNITS[0], d.adminPort],
    [UNITS[1], d.mqttPort],
  ] as const;
  return Promise.all(
    byPort.map(async ([unit, port]) => {
      const pid = await listenerPid(port);
      assert.ok(pid, `something listens on ${port}`);
      return { unit, port, pid };
    }),
  );
}

export async function mainPids(d: Deployment): Promise<string> {
  return inContainer(d, 'systemctl', 'show', '--property=MainPID', ...UNITS);
}

/**
 * The copied bundle under another release hash, as the next build of changed sources would be,
 * put beside the first one on the Proxmox host; `broken` makes its verifier exit at once, as a
 * release with a start-up bug would. Returns its path on the Proxmox host.
 */
export async function nextBundle(d: Deployment, hash: string, broken = false): Promise<string> {
  const dir = join(d.work, `bundle-${hash}`);
  mkdirSync(dir);
  await runOk('bash', ['-c', 'tar -xzf "$1"/arra-mq/arra-mq-*.tar.gz -C "$2"', 'bash', d.pveRoot, dir]);
  await runOk('sed', ['-i', `s/^ARRA_HASH=.*/ARRA_HASH=${hash}/`, join(dir, 'RELEASE')]);
  if (broken) writeFileSync(join(dir, 'dist', 'runtime', 'verifier.js'), 'process.exit(3);\n');
  mkdirSync(join(d.pveRoot, 'next'), { recursive: true });
  // gzip -1: the content is what matters here, and the test's time budget is tight.
  await runOk('tar', ['-C', dir, '--use-compress-program=gzip -1', '-cf', join(d.pveRoot, 'next', `arra-mq-next-${hash}.tar.gz`), '.']);
  return `/root/next/arra-mq-next-${hash}.tar.gz`;
}

/** mosquitto_* arguments for a device that reaches the broker at `host`. */
export function mqttAuth(d: Deployment, host: string, device: string, password: string): string[] {
  return ['-h', host, '-p', String(d.mqttPort), '-V', '5', '-i', device, '-u', device, '-P', password];
}
