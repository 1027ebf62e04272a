import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidField } from '../errors.js';
import { parseNanoParams, toAuthenticate, toAuthorizeRequests, toIdentity } from '../nanomq/map.js';

const dn = 'C=DE, O=Acme Devices, OU=fleet, CN=dev-042';

test('a SUBSCRIBE with several filters becomes one subscribe question per filter', () => {
  const p = parseNanoParams({ clientid: 'c', username: 'bob', access: '1', topic: 'a/+/c,d/#' });
  assert.deepEqual(toAuthorizeRequests(p), [
    { clientId: 'c', username: 'bob', action: 'subscribe', topic: 'a/+/c' },
    { clientId: 'c', username: 'bob', action: 'subscribe', topic: 'd/#' },
  ]);
  assert.throws(() => toAuthorizeRequests(parseNanoParams({ clientid: 'c', access: '1', topic: 'a,,b' })), InvalidField);
  assert.throws(() => toAuthorizeRequests(parseNanoParams({ clientid: 'c', access: '2' })), { field: 'topic' });
});

test('the certificate subject is handed to the core as it is, and %C is never read', () => {
  const p = parseNanoParams({ clientid: 'c', cn: 'evil, O=x', dn, access: '2', topic: 't' });
  assert.deepEqual(toIdentity(p), { clientId: 'c', certSubject: dn });
  assert.deepEqual(toAuthorizeRequests(p), [{ clientId: 'c', certSubject: dn, action: 'publish', topic: 't' }]);
  assert.deepEqual(toAuthenticate(p), { clientId: 'c', certSubject: dn }, 'the core decides whether the subject counts');
});

test('MQTT 3.1 is recognised by its protocol name and the no-parameters request is refused', () => {
  const request = toAuthenticate(parseNanoParams({ clientid: 'c', username: 'u', password: 'p', proto: 'MQIsdp' }));
  assert.equal(request.protocol, 'mqtt31');
  assert.throws(() => parseNanoParams({}), { code: 'ERR_ADAPTER_INVALID_FIELD', field: 'clientid' });
  assert.throws(() => parseNanoParams({ clientid: 'c', access: '3' }), { field: 'access' });
});
