import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_V2_BYTES, parseProxyHeader } from '../listeners/proxy-header.js';

const SIGNATURE = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

/** A v2 header: version/command byte, family/protocol byte, then the body (addresses, TLVs). */
function v2(versionCommand: number, familyProtocol: number, body: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(body.length);
  return Buffer.concat([SIGNATURE, Buffer.from([versionCommand, familyProtocol]), length, body]);
}

function ipv4Body(source: number[], sourcePort: number): Buffer {
  const body = Buffer.alloc(12);
  Buffer.from(source).copy(body, 0);
  Buffer.from([127, 0, 0, 1]).copy(body, 4);
  body.writeUInt16BE(sourcePort, 8);
  body.writeUInt16BE(1883, 10);
  return body;
}

test('v1: TCP4 and TCP6 headers give the source address and port, and their exact length', () => {
  const line = 'PROXY TCP4 203.0.113.7 127.0.0.1 51234 1883\r\n';
  assert.deepEqual(parseProxyHeader(Buffer.from(`${line}\x10MQTT`)), { state: 'complete', length: line.length, source: { address: '203.0.113.7', port: 51234 } });
  const six = 'PROXY TCP6 2001:db8::7 ::1 4000 1883\r\n';
  assert.deepEqual(parseProxyHeader(Buffer.from(six)), { state: 'complete', length: six.length, source: { address: '2001:db8::7', port: 4000 } });
  assert.deepEqual(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n')), { state: 'complete', length: 15 });
});

test('v1: a header arriving in pieces is incomplete until its CRLF', () => {
  for (const part of ['P', 'PROXY', 'PROXY TCP4 203.0.113.7 127.0.0.1 512', 'PROXY TCP4 203.0.113.7 127.0.0.1 51234 1883\r']) {
    assert.deepEqual(parseProxyHeader(Buffer.from(part)), { state: 'incomplete' }, part);
  }
});

test('v1: wrong protocols, addresses, ports, field counts and overlong lines are malformed', () => {
  const bad = [
    'PROXY UDP4 203.0.113.7 127.0.0.1 1 2\r\n',
    'PROXY TCP4 ::1 127.0.0.1 1 2\r\n',
    'PROXY TCP4 203.0.113.300 127.0.0.1 1 2\r\n',
    'PROXY TCP4 203.0.113.7 127.0.0.1 65536 2\r\n',
    'PROXY TCP4 203.0.113.7 127.0.0.1 01 2\r\n',
    'PROXY TCP4 203.0.113.7 127.0.0.1 1\r\n',
    'PROXY TCP4  203.0.113.7 127.0.0.1 1 2\r\n',
    `PROXY TCP4 ${'9'.repeat(120)}`,
    'GET / HTTP/1.1\r\n',
    '\x10\x0c\x00\x04MQTT',
  ];
  for (const header of bad) assert.equal(parseProxyHeader(Buffer.from(header)).state, 'malformed', JSON.stringify(header));
});

test('v2: PROXY over TCP/IPv4 and IPv6 gives the source; TLVs after the addresses are skipped', () => {
  const four = v2(0x21, 0x11, Buffer.concat([ipv4Body([198, 51, 100, 9], 40000), Buffer.from([0x01, 0x00, 0x02, 0x68, 0x32])]));
  assert.deepEqual(parseProxyHeader(Buffer.concat([four, Buffer.from([0x10, 0x00])])), { state: 'complete', length: four.length, source: { address: '198.51.100.9', port: 40000 } });
  const body6 = Buffer.alloc(36);
  Buffer.from('20010db8000000000000000000000007', 'hex').copy(body6, 0);
  body6.writeUInt16BE(443, 32);
  assert.deepEqual(parseProxyHeader(v2(0x21, 0x21, body6)), { state: 'complete', length: 52, source: { address: '2001:db8::7', port: 443 } });
});

test('v2: LOCAL, UNSPEC and UNIX carry no device address; the balancer speaks for itself', () => {
  assert.deepEqual(parseProxyHeader(v2(0x20, 0x00, Buffer.alloc(0))), { state: 'complete', length: 16 });
  assert.deepEqual(parseProxyHeader(v2(0x21, 0x00, Buffer.alloc(0))), { state: 'complete', length: 16 });
  assert.deepEqual(parseProxyHeader(v2(0x21, 0x31, Buffer.alloc(216))), { state: 'complete', length: 232 });
});

test('v2: incomplete until the length it names has arrived; bad versions, commands, datagrams, short bodies and huge lengths are malformed', () => {
  const whole = v2(0x21, 0x11, ipv4Body([198, 51, 100, 9], 1));
  for (const cut of [1, 11, 12, 15, 16, whole.length - 1]) assert.deepEqual(parseProxyHeader(whole.subarray(0, cut)), { state: 'incomplete' }, `${cut} bytes`);
  assert.equal(parseProxyHeader(v2(0x11, 0x11, ipv4Body([1, 2, 3, 4], 1))).state, 'malformed', 'version 1 in a v2 header');
  assert.equal(parseProxyHeader(v2(0x22, 0x11, ipv4Body([1, 2, 3, 4], 1))).state, 'malformed', 'command 2');
  assert.equal(parseProxyHeader(v2(0x21, 0x12, ipv4Body([1, 2, 3, 4], 1))).state, 'malformed', 'UDP');
  assert.equal(parseProxyHeader(v2(0x21, 0x11, Buffer.alloc(8))).state, 'malformed', 'IPv4 body cut short');
  assert.equal(parseProxyHeader(v2(0x21, 0x21, Buffer.alloc(12))).state, 'malformed', 'IPv6 body cut short');
  const huge = v2(0x21, 0x11, Buffer.alloc(0));
  huge.writeUInt16BE(MAX_V2_BYTES, 14);
  assert.equal(parseProxyHeader(huge).state, 'malformed', 'a length past the bound is refused before it is read');
});
