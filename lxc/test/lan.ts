/**
 * "The LAN" for the LXC test: a network namespace joined to the host by a veth pair, so a device in
 * it reaches CT 110 (which shares the host's network here) only through the host-side address, as a
 * device on the LAN reaches a CT's address: listeners on 0.0.0.0 answer there, loopback ones do not.
 *
 * @module lxc/test/lan
 */
import type { TestContext } from 'node:test';
import { run, runOk, type RunResult } from './host.js';

export interface Lan {
  /** The address devices dial: the host side of the veth, standing for the CT's own address. */
  ctAddress: string;
  /** Runs a command inside the LAN namespace. */
  exec(cmd: string, args: readonly string[], timeoutMs?: number): Promise<RunResult>;
  /** Whether a TCP connection from the LAN to the CT's address and `port` is accepted. */
  reaches(port: number): Promise<boolean>;
}

export async function createLan(t: TestContext): Promise<Lan> {
  const id = process.pid % 100_000;
  const ns = `arra-lan-${id}`;
  const hostSide = `arlh${id}`;
  const lanSide = `arld${id}`;
  // A /30 of 10.254/16 picked by pid: two concurrent runs do not share it.
  const net = `10.254.${id % 250}`;
  t.after(async () => {
    await run('ip', ['link', 'del', hostSide]);
    await run('ip', ['netns', 'del', ns]);
  });
  for (const args of [
    ['netns', 'add', ns],
    ['link', 'add', hostSide, 'type', 'veth', 'peer', 'name', lanSide],
    ['link', 'set', lanSide, 'netns', ns],
    ['addr', 'add', `${net}.1/30`, 'dev', hostSide],
    ['link', 'set', hostSide, 'up'],
    ['-n', ns, 'addr', 'add', `${net}.2/30`, 'dev', lanSide],
    ['-n', ns, 'link', 'set', lanSide, 'up'],
    ['-n', ns, 'link', 'set', 'lo', 'up'],
  ]) {
    await runOk('ip', args);
  }
  const exec = (cmd: string, args: readonly string[], timeoutMs = 30_000) => run('ip', ['netns', 'exec', ns, cmd, ...args], { timeoutMs });
  const ctAddress = `${net}.1`;
  return {
    ctAddress,
    exec,
    async reaches(port) {
      // shellcheck-free bash: /dev/tcp opens a TCP connection; refused or filtered = not reachable.
      const probe = await exec('timeout', ['5', 'bash', '-c', 'exec 3<>"/dev/tcp/$0/$1"', ctAddress, String(port)]);
      return probe.code === 0;
    },
  };
}
