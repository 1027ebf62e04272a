import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commonNameFromSubject, parseDn, subjectsEqual } from '../dn.js';

const commonNames: Array<[string, string | undefined]> = [
  ['C=DE, O=Acme Devices, OU=fleet, CN=dev-042', 'dev-042'], // mbedtls (NanoMQ)
  ['CN=dev-042,O=Acme', 'dev-042'], // RFC 4514
  ['/C=DE/O=Acme/CN=dev-042', 'dev-042'], // OpenSSL legacy one-line
  ['C = DE, O = Acme, CN = dev-042', 'dev-042'], // OpenSSL -nameopt oneline
  ['CN="dev-042",O=Acme', 'dev-042'],
  ['O=Acme\\, Inc.,CN=dev-042', 'dev-042'],
  ['CN=dev\\2C042,O=Acme', 'dev,042'],
  ['commonName=dev-042', 'dev-042'],
  ['2.5.4.3=dev-042', 'dev-042'],
  ['CN=dev-042, O=Acme Devices, OU=fleet', 'dev-042'], // text after the CN is never part of it
  ['CN=dev-043, O=CN-not-last', 'dev-043'], // NanoMQ %d of the captured %C bug (`cn=dev-043, O=CN-not-last`)
  ['/CN=dev-043/O=CN-not-last', 'dev-043'],
  ['O=Acme', undefined],
  ['CN=a,CN=b', undefined], // two CNs: which one names the device depends on the spelling
  ['CN=', undefined],
  ['', undefined],
  ['not a dn', undefined],
  ['CN=dev-042,', undefined],
  ['CN="unterminated', undefined],
];

for (const [dn, expected] of commonNames) {
  test(`the common name of ${JSON.stringify(dn)} is ${JSON.stringify(expected)}`, () => {
    assert.equal(commonNameFromSubject(dn), expected);
  });
}

test('attribute types are upper-cased and aliases folded, values unescaped', () => {
  assert.deepEqual(parseDn('e=ops@acme.test+cn=x, s=Bayern'), [
    { type: 'EMAILADDRESS', value: 'ops@acme.test' },
    { type: 'CN', value: 'x' },
    { type: 'ST', value: 'Bayern' },
  ]);
});

test('the same subject is recognised across spellings and orders; a different one is not', () => {
  assert.ok(subjectsEqual('CN=dev-042,OU=fleet,O=Acme Devices,C=DE', 'C=DE, O=Acme Devices, OU=fleet, CN=dev-042'));
  assert.ok(subjectsEqual('/C=DE/O=Acme Devices/OU=fleet/CN=dev-042', 'CN=dev-042,OU=fleet,O=Acme Devices,C=DE'));
  assert.ok(!subjectsEqual('CN=dev-042,O=Acme', 'CN=dev-042,O=Acme,OU=extra'));
  assert.ok(!subjectsEqual('CN=dev-042,O=Acme', 'CN=dev-042,O=acme'));
  assert.ok(!subjectsEqual('CN=dev-042,O=Acme', 'garbage'));
});
