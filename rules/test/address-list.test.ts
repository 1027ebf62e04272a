import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addressList, listHolds, peerAddress } from '../index.js';

test('an allow-list holds its addresses and the addresses inside its CIDRs', () => {
  const list = addressList(['10.0.0.0/8', '192.0.2.7', '2001:db8::/32', '::1']);
  for (const inside of ['10.1.2.3', '192.0.2.7', '2001:db8::5', '::1']) assert.equal(listHolds(list, inside), true, inside);
  for (const outside of ['11.0.0.1', '192.0.2.8', '2001:db9::1', '::2']) assert.equal(listHolds(list, outside), false, outside);
});

test('an IPv4 peer of a dual-stack socket is checked as the IPv4 address it is', () => {
  const list = addressList(['127.0.0.0/8']);
  assert.equal(listHolds(list, '::ffff:127.0.0.1'), true);
  assert.deepEqual(peerAddress('::FFFF:10.0.0.1'), { ip: '10.0.0.1', family: 'ipv4' });
});

test('an unknown or unreadable peer is never held', () => {
  const everything = addressList(['0.0.0.0/0', '::/0']);
  assert.equal(listHolds(everything, undefined), false);
  assert.equal(listHolds(everything, 'not-an-address'), false);
});

test('an entry that is not an address or a CIDR is refused by name', () => {
  for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/8/9', '10.0.0.0/x', 'host.example', '']) {
    assert.throws(() => addressList([bad]), new RegExp(`${JSON.stringify(bad).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not an IP address or CIDR`), bad);
  }
});
