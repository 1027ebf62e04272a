// PROXY protocol v1/v2, parsed incrementally and bounded in bytes. Not from npm: those parsers need a
// complete buffer, and finding the header's end is most of the work.
import { isIPv4, isIPv6 } from 'node:net';

export type ProxyHeader =
  | { state: 'incomplete' }
  | { state: 'malformed'; reason: string }
  /** `source` absent: the balancer speaks for itself (health check) or for a non-IP peer. */
  | { state: 'complete'; length: number; source?: { address: string; port: number } };

const V1_PREFIX = Buffer.from('PROXY ');
const V1_MAX_BYTES = 107;
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V2_FIXED_BYTES = 16;
/** Addresses (36 bytes for IPv6) and TLVs such as the balancer's TLS details fit well within this. */
export const MAX_V2_BYTES = 2048;

const INCOMPLETE: ProxyHeader = { state: 'incomplete' };
const malformed = (reason: string): ProxyHeader => ({ state: 'malformed', reason });

function startsLike(data: Buffer, prefix: Buffer): boolean {
  const n = Math.min(data.length, prefix.length);
  return data.subarray(0, n).equals(prefix.subarray(0, n));
}

export function parseProxyHeader(data: Buffer): ProxyHeader {
  if (data.length === 0) return INCOMPLETE;
  if (startsLike(data, V1_PREFIX)) return parseV1(data);
  if (startsLike(data, V2_SIGNATURE)) return parseV2(data);
  return malformed('no PROXY protocol header');
}

const PORT = /^(0|[1-9][0-9]{0,4})$/;

function parsePort(text: string | undefined): number | undefined {
  if (text === undefined || !PORT.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

/** `PROXY TCP4|TCP6 <src> <dst> <srcport> <dstport>\r\n` or `PROXY UNKNOWN …\r\n`. */
function parseV1(data: Buffer): ProxyHeader {
  const end = data.indexOf('\r\n');
  if (end < 0) return data.length >= V1_MAX_BYTES ? malformed('v1 header longer than 107 bytes') : INCOMPLETE;
  if (end + 2 > V1_MAX_BYTES) return malformed('v1 header longer than 107 bytes');
  const fields = data.toString('latin1', V1_PREFIX.length, end).split(' ');
  const length = end + 2;
  if (fields[0] === 'UNKNOWN') return { state: 'complete', length };
  if (fields.length !== 5) return malformed('v1 header needs protocol, two addresses and two ports');
  const [protocol, source, destination, sourcePort, destinationPort] = fields as [string, string, string, string, string];
  const isFamily = protocol === 'TCP4' ? isIPv4 : protocol === 'TCP6' ? isIPv6 : undefined;
  if (!isFamily) return malformed(`v1 protocol ${JSON.stringify(protocol.slice(0, 16))} is not TCP4, TCP6 or UNKNOWN`);
  if (!isFamily(source) || !isFamily(destination)) return malformed(`v1 addresses are not ${protocol} addresses`);
  const port = parsePort(sourcePort);
  if (port === undefined || parsePort(destinationPort) === undefined) return malformed('v1 ports must be decimal numbers up to 65535');
  return { state: 'complete', length, source: { address: source, port } };
}

/** The 16-byte fixed part, then the addresses (and TLVs, skipped) of the length it names. */
function parseV2(data: Buffer): ProxyHeader {
  if (data.length < V2_FIXED_BYTES) return INCOMPLETE;
  const versionCommand = data[12]!;
  if (versionCommand >> 4 !== 2) return malformed('v2 version is not 2');
  const command = versionCommand & 0x0f;
  if (command > 1) return malformed('v2 command is neither LOCAL nor PROXY');
  const family = data[13]! >> 4;
  const protocol = data[13]! & 0x0f;
  const length = V2_FIXED_BYTES + data.readUInt16BE(14);
  if (length > MAX_V2_BYTES) return malformed(`v2 header longer than ${MAX_V2_BYTES} bytes`);
  if (data.length < length) return INCOMPLETE;
  // LOCAL: the balancer's own connection (a health check): its address is the peer.
  if (command === 0) return { state: 'complete', length };
  if (protocol === 2) return malformed('v2 names a datagram connection');
  const body = data.subarray(V2_FIXED_BYTES, length);
  if (family === 1) {
    if (body.length < 12) return malformed('v2 IPv4 addresses are cut short');
    const address = [...body.subarray(0, 4)].join('.');
    return { state: 'complete', length, source: { address, port: body.readUInt16BE(8) } };
  }
  if (family === 2) {
    if (body.length < 36) return malformed('v2 IPv6 addresses are cut short');
    const groups = Array.from({ length: 8 }, (_, i) => body.readUInt16BE(i * 2).toString(16));
    return { state: 'complete', length, source: { address: compactIPv6(groups), port: body.readUInt16BE(32) } };
  }
  // UNSPEC or a UNIX socket: no IP address to take; the balancer's stands.
  return { state: 'complete', length };
}

/** RFC 5952 form (the longest run of two or more zero groups becomes `::`), as Node writes addresses. */
function compactIPv6(groups: string[]): string {
  let best = { at: -1, length: 0 };
  for (let i = 0; i < groups.length; ) {
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.length < 2) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.length).join(':')}`;
}
