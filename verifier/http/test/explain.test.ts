import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestVerifier, type TestVerifier } from '../../test/test-verifier.js';

async function rule(v: TestVerifier, body: object): Promise<number> {
  const res = await v.admin({ method: 'POST', url: '/v1/admin/rules', payload: body });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().id;
}

async function explain(v: TestVerifier, body: object) {
  const res = await v.admin({ method: 'POST', url: '/v1/admin/explain', payload: body });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

test('explain names the deny rule that decided, the rules read before it and the substituted placeholders', async (t) => {
  const v = await startTestVerifier(t);
  await v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id: 'sensor-1', groups: ['sensors'] } });
  await v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id: 'other' } });
  const other = await rule(v, { subject: { kind: 'device', id: 'other' }, action: 'publish', topic: 'x/#', permission: 'allow' });
  const readFirst = await rule(v, { subject: { kind: 'all' }, action: 'subscribe', topic: 'devices/#', permission: 'allow', priority: -5 });
  const deny = await rule(v, { subject: { kind: 'group', name: 'sensors' }, action: 'publish', topic: 'devices/${device}/secret', permission: 'deny' });
  const after = await rule(v, { subject: { kind: 'all' }, action: 'all', topic: 'devices/${device}/#', permission: 'allow', priority: 5 });

  const out = await explain(v, { deviceId: 'sensor-1', action: 'publish', topic: 'devices/sensor-1/secret' });
  assert.equal(out.allow, false);
  assert.equal(out.reason, 'acl_denied');
  assert.equal(out.decidingRule, deny);
  assert.deepEqual(out.placeholders, { clientid: 'sensor-1', username: 'sensor-1', device: 'sensor-1' });
  assert.deepEqual(
    out.rules.map((r: { id: number; outcome: string }) => [r.id, r.outcome]),
    [[readFirst, 'not_applicable'], [deny, 'decided'], [after, 'not_reached']],
  );
  assert.deepEqual(out.rules[1].substituted, ['devices/sensor-1/secret']);
  assert.equal(out.rules.some((r: { id: number }) => r.id === other), false, 'another device’s rule is not this identity’s');
});

test('explain and the real decision agree, topic by topic', async (t) => {
  const v = await startTestVerifier(t);
  await v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id: 'd-1' } });
  await v.admin({ method: 'POST', url: '/v1/admin/devices/d-1/credentials', payload: { kind: 'password', secret: 'correct horse battery' } });
  await rule(v, { subject: { kind: 'all' }, action: 'all', topic: 'devices/${device}/#', permission: 'allow' });
  await rule(v, { subject: { kind: 'device', id: 'd-1' }, action: 'publish', topic: 'devices/d-1/admin', permission: 'deny', priority: -1 });
  await rule(v, { subject: { kind: 'all' }, action: 'subscribe', topic: 'fleet/+/status', permission: 'allow', qos: [0] });
  const login = await v.decider.authenticate({ clientId: 'd-1', username: 'd-1', password: 'correct horse battery' }, { admitFor: 'test' });
  assert.equal(login.allow, true);
  const asks = [
    ['publish', 'devices/d-1/temp'], ['publish', 'devices/d-1/admin'], ['publish', 'devices/d-2/temp'],
    ['subscribe', 'devices/d-1/#'], ['subscribe', 'devices/#'], ['subscribe', 'fleet/+/status'], ['subscribe', 'fleet/#'],
  ] as const;
  for (const [action, topic] of asks) {
    for (const qos of [0, 1] as const) {
      const real = v.decider.authorize({ clientId: 'd-1', action, topic, qos }, 'test');
      const out = await explain(v, { deviceId: 'd-1', action, topic, qos });
      assert.equal(out.allow, real.allow, `${action} ${topic} qos ${qos}`);
    }
  }
});

test('explain says no rule matched and ARRA_ACL_NO_MATCH decided', async (t) => {
  const v = await startTestVerifier(t);
  await v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id: 'lonely' } });
  const out = await explain(v, { deviceId: 'lonely', action: 'publish', topic: 'a/b' });
  assert.equal(out.allow, false);
  assert.equal(out.decidingRule, null);
  assert.equal(out.message, 'no rule matched: ARRA_ACL_NO_MATCH (deny)');
});

test('explain of a subscribe names the allow rule that covers only part of the filter, and the part nothing allows', async (t) => {
  const v = await startTestVerifier(t);
  await v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id: 'dash' } });
  const partial = await rule(v, { subject: { kind: 'device', id: 'dash' }, action: 'subscribe', topic: 'devices/+/temp', permission: 'allow' });
  const out = await explain(v, { deviceId: 'dash', action: 'subscribe', topic: 'devices/#' });
  assert.equal(out.allow, false);
  assert.deepEqual(out.partialAllows, [{ ruleId: partial, topic: 'devices/+/temp' }]);
  assert.deepEqual(out.uncovered, {
    parts: [
      { filter: 'devices', except: [], example: 'devices', deniedBy: null },
      { filter: 'devices/+', except: [], example: 'devices/x', deniedBy: null },
      { filter: 'devices/+/+/#', except: ['devices/+/temp/#'], example: 'devices/x/x', deniedBy: null },
      { filter: 'devices/+/temp/+/#', except: [], example: 'devices/x/temp/x', deniedBy: null },
    ],
    truncated: false,
  });

  const covered = await explain(v, { deviceId: 'dash', action: 'subscribe', topic: '$share/g/devices/+/temp' });
  assert.equal(covered.allow, true);
  assert.equal(covered.topic, 'devices/+/temp');
  assert.equal(covered.decidingRule, partial);
  assert.deepEqual(covered.uncovered, { parts: [], truncated: false });
  assert.equal((await explain(v, { deviceId: 'dash', action: 'publish', topic: 'devices/a/temp' })).uncovered, null, 'publish names one topic: nothing to split');
});

test('explain lists every part of a filter the rules refuse, in rule order, with the deny that takes it', async (t) => {
  const v = await startTestVerifier(t);
  await v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id: 'ops' } });
  const mine = await rule(v, { subject: { kind: 'device', id: 'ops' }, action: 'all', topic: 'site/${device}/#', permission: 'allow', priority: 2 });
  const secret = await rule(v, { subject: { kind: 'all' }, action: 'subscribe', topic: 'site/+/keys', permission: 'deny', priority: 1 });
  const shared = await rule(v, { subject: { kind: 'all' }, action: 'subscribe', topic: 'site/shared/#', permission: 'allow', priority: 3 });
  const out = await explain(v, { deviceId: 'ops', action: 'subscribe', topic: 'site/+/#', broker: 'bundled' });
  assert.deepEqual(out.uncovered.parts, [
    { filter: 'site/+/keys', except: [], example: 'site/x/keys', deniedBy: secret },
    { filter: 'site/+', except: ['site/ops', 'site/shared'], example: 'site/x', deniedBy: null },
    { filter: 'site/+/+/#', except: ['site/ops/+/#', 'site/shared/+/#', 'site/+/keys/#'], example: 'site/x/x', deniedBy: null },
    { filter: 'site/+/keys/+/#', except: ['site/ops/keys/+/#', 'site/shared/keys/+/#'], example: 'site/x/keys/x', deniedBy: null },
  ]);
  assert.deepEqual(out.partialAllows.map((p: { ruleId: number }) => p.ruleId), [mine, shared]);
});

test('explain reads a deny that overlaps a filter as the broker named does: webhook refuses, bundled grants', async (t) => {
  const v = await startTestVerifier(t);
  await v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id: 'sub' } });
  const deny = await rule(v, { subject: { kind: 'all' }, action: 'subscribe', topic: 'test/nosubscribe', permission: 'deny' });
  const allow = await rule(v, { subject: { kind: 'all' }, action: 'subscribe', topic: '#', permission: 'allow', priority: 1 });
  const webhook = await explain(v, { deviceId: 'sub', action: 'subscribe', topic: 'test/+' });
  assert.equal(webhook.allow, false);
  assert.equal(webhook.decidingRule, deny);
  const bundled = await explain(v, { deviceId: 'sub', action: 'subscribe', topic: 'test/+', broker: 'bundled' });
  assert.equal(bundled.allow, true);
  assert.equal(bundled.decidingRule, allow);
  assert.equal(bundled.rules[0].outcome, 'overlaps');
});

test('explain of a disabled, unknown or superuser device stops where the real decision stops', async (t) => {
  const v = await startTestVerifier(t);
  await v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id: 'off' } });
  await v.admin({ method: 'PATCH', url: '/v1/admin/devices/off', payload: { enabled: false, disabledReason: 'stolen' } });
  await v.admin({ method: 'POST', url: '/v1/admin/devices', payload: { id: 'root', superuser: true } });
  const off = await explain(v, { deviceId: 'off', action: 'publish', topic: 'a' });
  assert.deepEqual([off.allow, off.reason, off.message], [false, 'disabled', 'device disabled: stolen']);
  const ghost = await explain(v, { deviceId: 'ghost', action: 'publish', topic: 'a' });
  assert.equal(ghost.reason, 'unknown_device');
  const anon = await explain(v, { deviceId: null, action: 'publish', topic: 'a' });
  assert.deepEqual([anon.reason, anon.message], ['unknown_device', 'anonymous access is off']);
  const root = await explain(v, { deviceId: 'root', action: 'subscribe', topic: '#' });
  assert.equal(root.allow, true);
  assert.equal(root.identity.superuser, true);
  const bad = await explain(v, { deviceId: 'root', action: 'publish', topic: 'a/+' });
  assert.equal(bad.reason, 'invalid_request');
});

test('explain needs the admin token and names a bad field', async (t) => {
  const v = await startTestVerifier(t);
  const anon = await v.app.inject({ method: 'POST', url: '/v1/admin/explain', payload: { deviceId: 'x', action: 'publish', topic: 'a' } });
  assert.equal(anon.statusCode, 401);
  const bad = await v.admin({ method: 'POST', url: '/v1/admin/explain', payload: { deviceId: 'x', action: 'read', topic: 'a' } });
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(bad.json().error.fields.map((f: { path: string }) => f.path), ['body.action']);
  const doc = await v.app.inject({ url: '/docs/json' });
  assert.ok(doc.json().paths['/v1/admin/explain'], 'in the OpenAPI document');
});
