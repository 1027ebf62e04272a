/**
 * Issue 12, hole 2: a session belongs to the identity that created it, not to its client id. Another
 * device (created with `--no-clientid-match`), an anonymous client, or a device removed and created
 * again under the same id, using the victim's client id, is refused (CONNACK 0x05 / 0x87): it neither
 * takes the victim's subscriptions and queued messages nor disconnects the victim. Real verifier core,
 * real SQLite registry, real mqtt.js clients.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closesWithin, connectCode, connected, logged, startAuthz, type AuthzHarness } from './authz-helpers.js';
import { collect, sleep } from './helpers.js';

const persistent = { clean: false, properties: { sessionExpiryInterval: 300 } };

/** victim may subscribe to victim/#; attacker may not and is not bound to its client id; root publishes. */
async function cast(h: AuthzHarness) {
  const victim = await h.device('victim');
  await h.rule('victim', { action: 'subscribe', topic: 'victim/#', permission: 'allow' });
  const attacker = await h.device('attacker', { requireClientIdMatch: false });
  const root = await h.device('root', { superuser: true });
  return { victim, attacker, root };
}

for (const protocolVersion of [4, 5] as const) {
  const refused = protocolVersion === 5 ? 0x87 : 0x05;
  const session = protocolVersion === 5 ? persistent : { clean: false };

  test(`MQTT ${protocolVersion === 5 ? '5.0' : '3.1.1'}: another device using a connected victim's client id is refused and the victim stays connected`, async (t) => {
    const h = await startAuthz(t);
    const pw = await cast(h);
    const victim = await connected(t, h.url, { clientId: 'victim', username: 'victim', password: pw.victim, protocolVersion, ...session });
    await victim.subscribeAsync('victim/inbox', { qos: 1 });
    const victimClosed = closesWithin(victim, 800);

    const attack = await connectCode(t, h.url, { clientId: 'victim', username: 'attacker', password: pw.attacker, protocolVersion, ...session });
    assert.equal(attack.code, refused);
    assert.equal(await victimClosed, false, 'the owner is not disconnected');
    const line = await logged(h, 'client id belongs to a session of another identity');
    assert.match(String(line.identity), /^device:attacker#/);
    assert.match(String(line.sessionIdentity), /^device:victim#/);

    const got = collect(victim);
    const root = await connected(t, h.url, { clientId: 'root', username: 'root', password: pw.root });
    await root.publishAsync('victim/inbox', 'for-victim', { qos: 1 });
    await sleep(200);
    assert.deepEqual(got.map((m) => m.payload), ['for-victim'], 'the victim still receives');
  });

  test(`MQTT ${protocolVersion === 5 ? '5.0' : '3.1.1'}: another device cannot resume a stored session nor receive what was queued for it`, async (t) => {
    const h = await startAuthz(t);
    const pw = await cast(h);
    const victim = await connected(t, h.url, { clientId: 'victim', username: 'victim', password: pw.victim, protocolVersion, ...session });
    await victim.subscribeAsync('victim/inbox', { qos: 1 });
    await victim.endAsync();
    const root = await connected(t, h.url, { clientId: 'root', username: 'root', password: pw.root });
    await root.publishAsync('victim/inbox', 'queued', { qos: 1 });

    for (const clean of [false, true]) {
      const attack = await connectCode(t, h.url, { clientId: 'victim', username: 'attacker', password: pw.attacker, protocolVersion, ...session, clean });
      assert.equal(attack.code, refused, `clean=${clean}: refused, the stored session neither resumed nor discarded`);
    }

    const back = await connectCode(t, h.url, { clientId: 'victim', username: 'victim', password: pw.victim, protocolVersion, ...session });
    assert.equal(back.code, 0);
    assert.equal(back.sessionPresent, true);
    await sleep(300);
    assert.deepEqual(back.got.map((m) => m.payload), ['queued'], 'the owner gets its queued message');
  });
}

test('an anonymous client cannot take a device session by its client id', async (t) => {
  const h = await startAuthz(t, { allowAnonymous: true });
  const pw = await cast(h);
  const victim = await connected(t, h.url, { clientId: 'victim', username: 'victim', password: pw.victim, ...persistent });
  await victim.subscribeAsync('victim/inbox', { qos: 1 });
  const victimClosed = closesWithin(victim, 800);
  assert.equal((await connectCode(t, h.url, { clientId: 'victim', ...persistent })).code, 0x87);
  assert.equal((await connectCode(t, h.url, { clientId: 'victim', protocolVersion: 4, clean: false })).code, 0x05);
  assert.equal(await victimClosed, false);
  const line = await logged(h, 'client id belongs to a session of another identity');
  assert.equal(line.identity, 'anonymous');
});

test('a device removed and created again under the same id does not inherit the old session', async (t) => {
  const h = await startAuthz(t);
  const pw = await cast(h);
  await h.rule('victim', { action: 'subscribe', topic: 'ops/#', permission: 'allow' });
  const old = await connected(t, h.url, { clientId: 'victim', username: 'victim', password: pw.victim, ...persistent });
  await old.subscribeAsync('ops/#', { qos: 1 });
  await old.endAsync();
  const root = await connected(t, h.url, { clientId: 'root', username: 'root', password: pw.root });
  await root.publishAsync('ops/secret', 'old-device-only', { qos: 1 });

  await h.admin.deleteDevice('victim');
  const fresh = await h.device('victim'); // no rules at all
  const again = await connectCode(t, h.url, { clientId: 'victim', username: 'victim', password: fresh, ...persistent });
  await sleep(300);
  assert.equal(again.sessionPresent, false);
  assert.deepEqual(again.got, []);
});
