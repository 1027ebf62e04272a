/**
 * Issue 12, hole 3: a stored session keeps no right that was taken away while its client was away.
 * A registry change re-checks stored sessions at once (their subscriptions and queued messages are
 * held to the new ACL; a removed device's session is discarded), and resuming a session re-checks it
 * again, for changes the broker never heard of. Real verifier core, real SQLite, real mqtt.js clients.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectCode, connected, startAuthz, until, type AuthzHarness, type AuthzOptions } from './authz-helpers.js';
import { sleep } from './helpers.js';

/** dev may subscribe to own/# and (rule returned) ops/#; root publishes anything. */
async function setUp(h: AuthzHarness) {
  const dev = await h.device('dev');
  await h.rule('dev', { action: 'subscribe', topic: 'own/#', permission: 'allow' });
  const opsRule = await h.rule('dev', { action: 'subscribe', topic: 'ops/#', permission: 'allow' });
  const root = await h.device('root', { superuser: true });
  return { dev, root, opsRule };
}

const persistent = (protocolVersion: 4 | 5) => ({ protocolVersion, clean: false, ...(protocolVersion === 5 ? { properties: { sessionExpiryInterval: 300 } } : {}) });

/**
 * dev subscribes to own/# and ops/# and goes away; root publishes one QoS 1 message to each; the
 * ops rule is removed; root publishes again; dev comes back. Returns what dev's return saw.
 */
async function revokeWhileAway(t: Parameters<typeof startAuthz>[0], options: AuthzOptions, protocolVersion: 4 | 5) {
  const h = await startAuthz(t, options);
  const pw = await setUp(h);
  const dev = await connected(t, h.url, { clientId: 'dev', username: 'dev', password: pw.dev, ...persistent(protocolVersion) });
  await dev.subscribeAsync({ 'own/#': { qos: 1 }, 'ops/#': { qos: 1 } });
  await dev.endAsync();
  const root = await connected(t, h.url, { clientId: 'root', username: 'root', password: pw.root });
  await root.publishAsync('ops/x', 'ops-before', { qos: 1 });
  await root.publishAsync('own/x', 'own-before', { qos: 1 });
  await h.admin.deleteRule(pw.opsRule);
  await sleep(300); // the change reaches the broker (when it hears of changes at all)
  await root.publishAsync('ops/x', 'ops-after', { qos: 1 });
  const back = await connectCode(t, h.url, { clientId: 'dev', username: 'dev', password: pw.dev, ...persistent(protocolVersion) });
  assert.equal(back.code, 0);
  await root.publishAsync('ops/x', 'ops-resumed', { qos: 1 });
  await root.publishAsync('own/x', 'own-resumed', { qos: 1 });
  await sleep(300);
  return { h, back, root };
}

for (const protocolVersion of [4, 5] as const) {
  const name = protocolVersion === 5 ? '5.0' : '3.1.1';
  for (const [how, options] of [
    ['a registry change re-checks the stored session', { wiring: 'in-process' }],
    ['resuming re-checks a session the broker heard no change for', { wiring: 'http', changeFeed: false }],
  ] as const) {
    test(`MQTT ${name}: ${how}: the revoked filter's queued and new messages are not delivered`, async (t) => {
      const { back } = await revokeWhileAway(t, options, protocolVersion);
      assert.equal(back.sessionPresent, true, 'the session itself is resumed');
      assert.deepEqual(back.got.map((m) => m.payload), ['own-before', 'own-resumed']);
      // mqtt.js rejects a SUBACK failure: 0x80 in 3.1.1, 0x87 in 5.0.
      await assert.rejects(back.client.subscribeAsync('ops/#', { qos: 1 }), /Unspecified error|Not authorized/, 'a fresh SUBSCRIBE is refused as well');
    });
  }
}

test('MQTT 5.0: the CONNACK of a resumed session names the subscriptions that were revoked', async (t) => {
  for (const options of [{ wiring: 'in-process' }, { wiring: 'http', changeFeed: false }] as const) {
    const h = await startAuthz(t, options);
    const pw = await setUp(h);
    const dev = await connected(t, h.url, { clientId: 'dev', username: 'dev', password: pw.dev, ...persistent(5) });
    await dev.subscribeAsync({ 'own/#': { qos: 1 }, 'ops/#': { qos: 1 } });
    await dev.endAsync();
    await h.admin.deleteRule(pw.opsRule);
    await sleep(200);
    const back = await connected(t, h.url, { clientId: 'dev', username: 'dev', password: pw.dev, ...persistent(5) });
    const ack = (back as unknown as { connackPacket: { properties?: { reasonString?: string; userProperties?: Record<string, string | string[]> } } }).connackPacket;
    assert.deepEqual(ack.properties?.userProperties?.['revoked-subscription'], 'ops/#', `${options.wiring}: named in the CONNACK`);
    assert.match(ack.properties?.reasonString ?? '', /no longer authorized/);
  }
});

test('a registry change holds stored sessions to it at once: subscriptions dropped, a removed device session discarded', async (t) => {
  const h = await startAuthz(t);
  const pw = await setUp(h);
  const dev = await connected(t, h.url, { clientId: 'dev', username: 'dev', password: pw.dev, ...persistent(5) });
  await dev.subscribeAsync({ 'own/#': { qos: 1 }, 'ops/#': { qos: 1 } });
  await dev.endAsync();
  const root = await connected(t, h.url, { clientId: 'root', username: 'root', password: pw.root });
  await root.publishAsync('ops/x', 'queued', { qos: 1 });
  const before = h.broker.stats();
  assert.ok(before.queuedBytes > 0, 'the ops message waits in the stored session');
  await h.admin.deleteRule(pw.opsRule);
  await until(() => h.broker.stats().subscriptions === before.subscriptions - 1, 'the ops/# subscription to be dropped');
  assert.equal(h.broker.stats().queuedBytes, 0, 'the discarded message no longer counts against the byte budgets');
  await h.admin.deleteDevice('dev');
  await until(() => h.broker.stats().sessions === before.sessions - 1, 'the removed device session to be discarded');
  assert.equal(h.broker.stats().subscriptions, before.subscriptions - 2);
});

test('a device removed and created again, with no rules, gets a new session and none of the old traffic (over HTTP)', async (t) => {
  const h = await startAuthz(t, { wiring: 'http' });
  const pw = await setUp(h);
  const old = await connected(t, h.url, { clientId: 'dev', username: 'dev', password: pw.dev, ...persistent(5) });
  await old.subscribeAsync('ops/#', { qos: 1 });
  await old.endAsync();
  const root = await connected(t, h.url, { clientId: 'root', username: 'root', password: pw.root });
  await root.publishAsync('ops/secret', 'old-device-only', { qos: 1 });
  await h.admin.deleteDevice('dev');
  const fresh = await h.device('dev');
  const again = await connectCode(t, h.url, { clientId: 'dev', username: 'dev', password: fresh, ...persistent(5) });
  assert.equal(again.code, 0, 'the new device is not locked out by the old one');
  assert.equal(again.sessionPresent, false);
  await root.publishAsync('ops/secret', 'after', { qos: 1 });
  await sleep(300);
  assert.deepEqual(again.got, []);
});

test('MQTT 5.0: the revoked filters are left out of a CONNACK they would make larger than the client allows', async (t) => {
  const h = await startAuthz(t);
  const pw = await setUp(h);
  // Ten short filters: each User Property repeats its 20-byte key, about 31 bytes apiece (310 in all).
  const filters = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`ops/a${i}`, { qos: 1 as const }]));
  const dev = await connected(t, h.url, { clientId: 'dev', username: 'dev', password: pw.dev, ...persistent(5) });
  await dev.subscribeAsync(filters);
  await dev.endAsync();
  await h.admin.deleteRule(pw.opsRule);
  await sleep(200);
  const small = { ...persistent(5), properties: { sessionExpiryInterval: 300, maximumPacketSize: 300 } };
  const back = await connected(t, h.url, { clientId: 'dev', username: 'dev', password: pw.dev, ...small });
  const ack = (back as unknown as { connackPacket: { properties?: { reasonString?: string; userProperties?: object } } }).connackPacket;
  assert.equal(back.sessionPresent, true);
  assert.equal(ack.properties?.userProperties, undefined);
  assert.equal(ack.properties?.reasonString, undefined);
});
