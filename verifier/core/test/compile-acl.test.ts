import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkAcl } from '../../../rules/index.js';
import { compileAcl } from '../compile-acl.js';
import type { AclRule } from '../ports.js';

function rule(fields: Partial<AclRule> & Pick<AclRule, 'topic'>): AclRule {
  return { id: 1, subject: { kind: 'all' }, action: 'all', eq: false, qos: null, retain: null, permission: 'allow', priority: 1, ...fields };
}

const values = { clientId: 'dev-1', username: 'dev-1', deviceId: 'dev-1' };

test('placeholders are substituted in pattern rules and kept literally in eq rules', () => {
  const acl = compileAcl(
    [
      rule({ topic: 'devices/${device}/${clientid}/+/${username}' }),
      rule({ topic: 'literal/${device}', eq: true, qos: [1], retain: false, permission: 'deny', action: 'publish' }),
    ],
    values,
    'deny',
  );
  assert.deepEqual(acl, {
    noMatch: 'deny',
    rules: [
      { permission: 'allow', action: 'all', topic: 'devices/dev-1/dev-1/+/dev-1', eq: false },
      { permission: 'deny', action: 'publish', topic: 'literal/${device}', eq: true, qos: [1], retain: false },
    ],
  });
});

for (const unsafe of ['#', '+', 'a/b', '', null, 'x\u0000y']) {
  test(`an unsafe client id ${JSON.stringify(unsafe)} drops allow rules using it and turns deny rules into deny-all`, () => {
    const acl = compileAcl(
      [
        rule({ topic: 'clients/${clientid}/in', permission: 'deny', action: 'publish' }),
        rule({ topic: '$share/${clientid}/x', permission: 'deny', action: 'subscribe' }),
        rule({ topic: 'clients/${clientid}/#' }),
        rule({ topic: 'devices/${device}/#' }),
      ],
      { ...values, clientId: unsafe },
      'allow',
    );
    assert.deepEqual(acl.rules, [
      { permission: 'deny', action: 'publish', topic: '#', eq: false },
      { permission: 'deny', action: 'subscribe', topic: '#', eq: false },
      { permission: 'deny', action: 'subscribe', topic: '$share/#', eq: false },
      { permission: 'allow', action: 'all', topic: 'devices/dev-1/#', eq: false },
    ]);
    assert.equal(checkAcl(acl, { action: 'publish', topic: 'devices/dev-1/x' }).allow, false, 'deny-all comes first');
  });
}

test('an anonymous connection has no device to substitute: ${device} rules fail closed', () => {
  const acl = compileAcl([rule({ topic: 'devices/${device}/#' })], { clientId: 'guest', username: null, deviceId: null }, 'deny');
  assert.deepEqual(acl.rules, []);
});
