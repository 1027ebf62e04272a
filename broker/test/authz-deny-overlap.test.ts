/**
 * Issue 12, 5.1: a subscribe deny rule that overlaps a wider filter. The bundled broker grants the
 * filter an allow rule covers and drops each delivery whose topic the deny matches (as Mosquitto
 * does); before, `deny test/nosubscribe` refused `#` and `+/+`, and with `--eq` a subscriber to
 * `test/+` received `test/nosubscribe`. The verifier's own decisions (NanoMQ, EMQX, go-auth: no
 * per-delivery check there) keep refusing the overlapping filter. Real verifier core, real SQLite,
 * real mqtt.js clients and Debian's mosquitto_sub/mosquitto_pub.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connected, startAuthz, type AuthzHarness } from './authz-helpers.js';
import { run, sleep } from './helpers.js';

/** The conformance suite's set-up: everyone may do anything but subscribe to test/nosubscribe. */
async function setUp(h: AuthzHarness, eq: boolean) {
  const dev = await h.device('dev', { requireClientIdMatch: false });
  await h.rule('dev', { action: 'subscribe', topic: 'test/nosubscribe', eq, permission: 'deny', priority: -1 });
  await h.rule('dev', { action: 'all', topic: '#', permission: 'allow' });
  const root = await h.device('root', { superuser: true });
  return { dev, root };
}

for (const eq of [false, true]) {
  for (const protocolVersion of [4, 5] as const) {
    test(`MQTT ${protocolVersion === 5 ? '5.0' : '3.1.1'}, deny${eq ? ' --eq' : ''} test/nosubscribe: #, +/+ and test/+ are granted and never deliver test/nosubscribe`, async (t) => {
      const h = await startAuthz(t);
      const pw = await setUp(h, eq);
      const root = await connected(t, h.url, { clientId: 'root', username: 'root', password: pw.root });
      await root.publishAsync('test/nosubscribe', 'retained-secret', { qos: 1, retain: true });
      const subs = [];
      for (const filter of ['#', '+/+', 'test/+']) {
        const client = await connected(t, h.url, { clientId: `sub-${filter}`, username: 'dev', password: pw.dev, protocolVersion });
        const [granted] = await client.subscribeAsync(filter, { qos: 1 });
        assert.equal(granted!.qos, 1, `${filter} granted`);
        subs.push({ filter, client });
      }
      const exact = await connected(t, h.url, { clientId: 'sub-exact', username: 'dev', password: pw.dev, protocolVersion });
      await assert.rejects(exact.subscribeAsync('test/nosubscribe', { qos: 1 }), /Unspecified error|Not authorized/, 'the denied topic itself is refused');
      await root.publishAsync('test/nosubscribe', 'secret', { qos: 1 });
      await root.publishAsync('test/ok', 'fine', { qos: 0 });
      await sleep(300);
      for (const { filter, client } of subs) assert.deepEqual(client.got.map((m) => m.payload), ['fine'], filter);
    });
  }
}

test('mosquitto_sub (3.1.1 and 5.0) subscribed to # gets test/ok and never test/nosubscribe', async (t) => {
  const h = await startAuthz(t);
  const pw = await setUp(h, false);
  const port = new URL(h.url).port;
  for (const version of ['mqttv311', 'mqttv5']) {
    const auth = ['-h', '127.0.0.1', '-p', port, '-V', version, '-u', 'dev', '-P', pw.dev];
    const out = run('mosquitto_sub', [...auth, '-i', `cli-${version}`, '-t', '#', '-v', '-C', '1', '-W', '5']);
    await sleep(500);
    const pub = ['-h', '127.0.0.1', '-p', port, '-V', version, '-u', 'root', '-P', pw.root, '-i', 'root'];
    await run('mosquitto_pub', [...pub, '-t', 'test/nosubscribe', '-m', 'secret']);
    await run('mosquitto_pub', [...pub, '-t', 'test/ok', '-m', 'fine']);
    assert.equal((await out).trim(), 'test/ok fine', version);
  }
});

test('the verifier decisions for other brokers (no per-delivery check) keep refusing filters that overlap the deny', async (t) => {
  const h = await startAuthz(t);
  for (const eq of [false, true]) {
    const id = eq ? 'dev-eq' : 'dev';
    const password = await h.device(id);
    await h.rule(id, { action: 'subscribe', topic: 'test/nosubscribe', eq, permission: 'deny', priority: -1 });
    await h.rule(id, { action: 'all', topic: '#', permission: 'allow' });
    // As an adapter route does: the CONNECT is admitted for a broker, then its ACL questions follow.
    const broker = 'nanomq 127.0.0.1';
    assert.equal((await h.decider.authenticate({ clientId: id, username: id, password }, { admitFor: broker })).allow, true);
    const decide = (topic: string) => h.decider.authorize({ clientId: id, username: id, action: 'subscribe', topic }, broker).allow;
    for (const filter of ['#', '+/+', 'test/+', 'test/nosubscribe']) assert.equal(decide(filter), false, `eq=${eq}: ${filter} refused`);
    assert.equal(decide('other/+'), true, `eq=${eq}: a filter the deny does not touch is allowed`);
  }
});
