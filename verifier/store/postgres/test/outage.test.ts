import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { DeviceCreate } from '../../../../schemas/admin.js';
import { createAdmin } from '../../../admin/index.js';
import { TEST_KEK } from '../../test/helpers.js';
import { openPostgresStore } from '../store.js';
import { testDatabase } from './cluster.js';

/** A TCP path to PostgreSQL that can be cut (every connection dropped, new ones refused) and restored. */
async function cuttablePath(t: TestContext, target: URL): Promise<{ url: string; cut(): Promise<void>; restore(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('error', () => s.destroy());
          s.on('close', () => sockets.delete(s));
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  const cut = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server!.close(() => resolve());
    });
  await listen();
  t.after(cut);
  const url = new URL(target.href);
  url.port = String(port);
  return { url: url.href, cut, restore: listen };
}

test('while PostgreSQL does not answer, decisions go on from the mirror, writes are 503, and what was missed arrives after', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const path = await cuttablePath(t, new URL(db.url));
  const dir = mkdtempSync(join(tmpdir(), 'arra-outage-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tokens = { issuer: 'arra-mq', audience: 'mqtt', defaultTtlSeconds: 60 };
  const a = await openPostgresStore({ url: path.url, kek: TEST_KEK, mirrorPath: join(dir, 'a.sqlite') });
  t.after(() => a.close());
  const b = await openPostgresStore({ url: db.url, kek: TEST_KEK, mirrorPath: join(dir, 'b.sqlite') });
  t.after(() => b.close());
  const [adminA, adminB] = [await createAdmin({ store: a, clock: Date, tokens }), await createAdmin({ store: b, clock: Date, tokens })];
  await adminA.createDevice(DeviceCreate.parse({ id: 'dev-1' }));

  await path.cut();
  assert.ok(a.getDevice('dev-1'), 'the decision path reads the mirror');
  await assert.rejects(adminA.createDevice(DeviceCreate.parse({ id: 'dev-2' })), { code: 'ERR_UNAVAILABLE' });
  await assert.rejects(a.ping());
  for (const keyRead of [a.signingKeys.list(), a.signingKeys.get('none'), a.deviceCa.read()]) {
    await assert.rejects(keyRead, { code: 'ERR_UNAVAILABLE' }, 'key reads answer 503 too, not 500');
  }
  await adminB.createDevice(DeviceCreate.parse({ id: 'dev-3' }));

  await path.restore();
  const until = Date.now() + 10_000;
  while (a.getDevice('dev-3') === undefined) {
    assert.ok(Date.now() < until, 'the change made during the outage reaches the replica once it reconnects');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await a.ping();
  assert.equal(a.getDevice('dev-2'), undefined, 'the refused write left nothing');
});
