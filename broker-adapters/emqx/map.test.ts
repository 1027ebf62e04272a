/**
 * EMQX mapping: the compiled ACL in EMQX's rule format with the no-match catch-all, and template
 * placeholders EMQX could not fill (empty strings) read as absent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAuthn, parseAuthz, toAuthorize, toEmqxAcl } from './map.js';

test('rules keep their order, eq rules get the eq prefix and the catch-all carries noMatch', () => {
  const acl = toEmqxAcl({
    rules: [
      { permission: 'deny', action: 'publish', topic: 'a/#', eq: true, retain: true },
      { permission: 'allow', action: 'subscribe', topic: 'b/+', eq: false, qos: [0, 1] },
    ],
    noMatch: 'allow',
  });
  assert.deepEqual(acl, [
    { permission: 'deny', action: 'publish', topic: 'eq a/#', retain: true },
    { permission: 'allow', action: 'subscribe', topic: 'b/+', qos: [0, 1] },
    { permission: 'allow', action: 'all', topic: '#' },
  ]);
});

test('empty template values are absent and qos/retain are read from strings or numbers', () => {
  const authn = parseAuthn({ clientid: 'c', username: '', password: '', peerhost: '', cert_subject: '' });
  assert.deepEqual(Object.entries(authn).filter(([, v]) => v !== undefined), [['clientid', 'c']]);
  assert.deepEqual(toAuthorize(parseAuthz({ clientid: 'c', action: 'publish', topic: 't', qos: '2', retain: 'true' })), {
    clientId: 'c', action: 'publish', topic: 't', qos: 2, retain: true,
  });
  assert.deepEqual(toAuthorize(parseAuthz({ clientid: 'c', action: 'subscribe', topic: 't', qos: 1, retain: 0 })), {
    clientId: 'c', action: 'subscribe', topic: 't', qos: 1, retain: false,
  });
  assert.throws(() => parseAuthz({ clientid: 'c', action: 'all', topic: 't' }), { field: 'action' });
});
