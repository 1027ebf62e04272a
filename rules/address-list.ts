import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** A `BlockList` of addresses and CIDRs (`10.0.0.0/8`, `::1`); throws naming the first entry that is neither. */
export function addressList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const slash = entry.indexOf('/');
    const address = slash < 0 ? entry : entry.slice(0, slash);
    const prefix = slash < 0 ? undefined : entry.slice(slash + 1);
    const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
    const bits = prefix === undefined ? undefined : Number(prefix);
    const maxBits = family === 'ipv4' ? 32 : 128;
    if (!family || (prefix !== undefined && !(/^\d{1,3}$/.test(prefix) && bits! <= maxBits))) {
      throw new Error(`${JSON.stringify(entry)} is not an IP address or CIDR`);
    }
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, bits, family);
  }
  return list;
}

/** A peer address as `BlockList.check` wants it; an IPv4 peer of a dual-stack socket (`::ffff:a.b.c.d`) is IPv4. */
export function peerAddress(raw: string | undefined): { ip: string; family: 'ipv4' | 'ipv6' } | null {
  if (raw === undefined) return null;
  const ip = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(raw)?.[1] ?? raw;
  if (isIPv4(ip)) return { ip, family: 'ipv4' };
  return isIPv6(ip) ? { ip, family: 'ipv6' } : null;
}

/** An unknown peer is not held. */
export function listHolds(list: BlockList, raw: string | undefined): boolean {
  const peer = peerAddress(raw);
  return peer !== null && list.check(peer.ip, peer.family);
}
