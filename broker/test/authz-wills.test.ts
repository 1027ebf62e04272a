/**
 * Issue 12, hole 4: a will speaks with the rights of the moment it is sent. A client disconnected
 * because it lost its rights (disabled, removed) never publishes its will, retained or not; a delayed
 * will (5.0 Will Delay Interval) is refused when its device was disabled, removed or lost the right to
 * publish it during the delay. Real verifier core, real SQLite, real mqtt.js clients.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closesWithin, connected, startAuthz, until, type AuthzHarness } from './authz-helpers.js';
import { sleep } from './helpers.js';

/** dev may publish wills/dev (retained too); root watches everything. */
async function setUp(h: AuthzHarness) {
  const dev = await h.device('dev');
  const willRule = await h.rule('dev', { action: 'publish', topic: 'wills/dev', permission: 'allow' });
  const root = await h.device('root', { superuser: true, requireClientIdMatch: false });
  const watcher = await connected(h.t, h.url, { clientId: 'root', username: 'root', password: root });
  await watcher.subscribeAsync('wills/#', { qos: 1 });
  return { dev, root, willRule, watcher };
}

const retainedWill = { topic: 'wills/dev', payload: Buffer.from('gone'), qos: 1 as const, retain: true };

const losses: Array<[string, (h: AuthzHarness) => Promise<unknown>]> = [
  ['disabled', (h) => h.admin.patchDevice('dev', { enabled: false, disabledReason: 'stolen' })],
  ['removed', (h) => h.admin.deleteDevice('dev')],
];

for (const protocolVersion of [4, 5] as const) {
  for (const [how, lose] of losses) {
    test(`MQTT ${protocolVersion === 5 ? '5.0' : '3.1.1'}: a device ${how} while connected is disconnected without its retained will`, async (t) => {
      const h = await startAuthz(t);
      const pw = await setUp(h);
      const dev = await connected(t, h.url, { clientId: 'dev', username: 'dev', password: pw.dev, protocolVersion, will: retainedWill });
      const closed = closesWithin(dev, 2000);
      await lose(h);
      assert.equal(await closed, true, 'disconnected');
      await sleep(300);
      assert.deepEqual(pw.watcher.got, [], 'no will published');
      const later = await connected(t, h.url, { clientId: 'later', username: 'root', password: pw.root });
      await later.subscribeAsync('wills/#', { qos: 1 });
      await sleep(200);
      assert.deepEqual(later.got, [], 'no will kept as the retained message');
    });
  }
}

const delayed = { ...retainedWill, properties: { willDelayInterval: 1 } };

for (const [how, lose] of [
  ...losses,
  ['no longer allowed to publish it', (h: AuthzHarness, willRule: number) => h.admin.deleteRule(willRule)],
] as Array<[string, (h: AuthzHarness, willRule: number) => Promise<unknown>]>) {
  test(`MQTT 5.0: a delayed will is not sent when its device was ${how} during the delay`, async (t) => {
    const h = await startAuthz(t);
    const pw = await setUp(h);
    const dev = await connected(t, h.url, { clientId: 'dev', username: 'dev', password: pw.dev, will: delayed, clean: false, properties: { sessionExpiryInterval: 60 } });
    dev.stream.destroy(); // dropped, not DISCONNECT: the will is due in 1 s
    await sleep(100);
    await lose(h, pw.willRule);
    await sleep(2600); // the 1 s delay, then at most one 1 s tick of the timer wheel
    assert.deepEqual(pw.watcher.got, []);
  });
}

test('MQTT 5.0: a delayed will whose device kept its rights is sent (the control)', async (t) => {
  const h = await startAuthz(t);
  const pw = await setUp(h);
  const dev = await connected(t, h.url, { clientId: 'dev', username: 'dev', password: pw.dev, will: delayed, clean: false, properties: { sessionExpiryInterval: 60 } });
  dev.stream.destroy();
  await until(() => pw.watcher.got.length > 0, 'the will', 5000);
  assert.deepEqual(pw.watcher.got.map((m) => m.payload), ['gone']);
});
