/** EMQX mapping: template placeholders EMQX could not fill (empty strings) read as absent. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAuthn, parseAuthz, toAuthorize } from '../emqx/map.js';

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
