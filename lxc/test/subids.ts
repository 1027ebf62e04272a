/**
 * Subordinate ids for root, so the LXC test can build and run an unprivileged container the way
 * Proxmox does (container ids 0..65535 = host ids 100000..165535). `lxc-usernsexec`, which unpacks
 * the rootfs shifted, goes through newuidmap/newgidmap, and those only grant ranges listed for the
 * caller in /etc/subuid and /etc/subgid. A CI host usually lists none for root: the test adds the
 * range for its run and takes exactly that line out again afterwards, leaving any other entry alone.
 *
 * @module lxc/test/subids
 */
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';

/** Proxmox's map for unprivileged CTs, the one `fake-pct` writes into the container config. */
export const USERNS_BASE = 100_000;
export const USERNS_SIZE = 65_536;

const FILES = ['/etc/subuid', '/etc/subgid'] as const;
const LINE = `root:${USERNS_BASE}:${USERNS_SIZE}`;

/** True when some `root:` (or `0:`) line of the file's text covers the whole Proxmox range. */
function coversRange(text: string): boolean {
  return text.split('\n').some((line) => {
    const [owner, start, count] = line.trim().split(':');
    if ((owner !== 'root' && owner !== '0') || start === undefined || count === undefined) return false;
    return Number(start) <= USERNS_BASE && Number(start) + Number(count) >= USERNS_BASE + USERNS_SIZE;
  });
}

/** Adds the range to one file if it is missing; returns how to undo exactly that, or undefined. */
function grantIn(path: string): (() => void) | undefined {
  const existed = existsSync(path);
  const before = existed ? readFileSync(path, 'utf8') : '';
  if (coversRange(before)) return undefined;
  const separator = before === '' || before.endsWith('\n') ? '' : '\n';
  writeFileSync(path, `${before}${separator}${LINE}\n`, { mode: 0o644 });
  return () => {
    const lines = readFileSync(path, 'utf8').split('\n');
    // The last occurrence is the one appended here; an identical older line stays.
    const ours = lines.lastIndexOf(LINE);
    if (ours >= 0) lines.splice(ours, 1);
    let after = lines.join('\n');
    if (separator !== '' && after.endsWith('\n')) after = after.slice(0, -1);
    if (!existed && after.trim() === '') unlinkSync(path);
    else writeFileSync(path, after);
  };
}

/**
 * Makes sure root owns host ids 100000..165535 in /etc/subuid and /etc/subgid (needs root; the
 * files are a parameter for the helper's own test).
 * Returns the undo: it removes only the lines this call added (and a file it created), so call it
 * in the test's teardown whether or not the test passed.
 */
export function grantRootSubordinateIds(files: readonly string[] = FILES): () => void {
  const undos = files.map(grantIn).filter((undo) => undo !== undefined);
  return () => {
    for (const undo of undos) undo();
  };
}
