/**
 * The HTTP authorizer's `refused()`: batches of at most 100 posted to a real HTTP verifier stand-in with
 * the secret; a full queue and a verifier that does not answer drop refusals, counted in the log,
 * never thrown at the broker and never a secret in the log.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { pino } from 'pino';
import type { BrokerRefusal } from '../../schemas/index.js';
import { createHttpAuthorizer } from '../authorizers/http.js';

const SECRET = 'refusal-test-secret-0123456789';

function refusal(n: number): BrokerRefusal {
  return { clientId: `c-${n}`, deviceId: `d-${n}`, action: 'publish', topic: `t/${n}`, peerAddress: '127.0.0.1', reason: 'acl_denied', message: 'the broker’s ACL check' };
}

async function verifierStandIn(t: TestContext, status: number) {
  const posts: Array<{ secret: string | undefined; items: BrokerRefusal[] }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.url === '/v1/refusals') posts.push({ secret: req.headers['x-arra-secret'] as string | undefined, items: (JSON.parse(body) as { items: BrokerRefusal[] }).items });
      res.writeHead(req.url === '/v1/refusals' ? status : 404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, posts };
}

/** Closed by the test: closing flushes the queue. */
function authorizerFor(url: string) {
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _e, cb) => (logs.push(JSON.parse(String(chunk))), cb()) }));
  const authorizer = createHttpAuthorizer({ url, secret: SECRET, logger, changeFeed: false });
  return { authorizer, logs };
}

test('refusals reach the verifier in batches of at most 100, with the secret; 1,000 wait at most, the rest are counted', async (t) => {
  const verifier = await verifierStandIn(t, 204);
  const { authorizer, logs } = authorizerFor(verifier.url);
  for (let n = 0; n < 1200; n++) authorizer.refused!(refusal(n));
  await authorizer.close();
  const sent = verifier.posts.flatMap((p) => p.items);
  assert.equal(sent.length, 1000, 'the queue holds 1,000');
  assert.deepEqual(sent.slice(0, 2).map((r) => r.clientId), ['c-0', 'c-1'], 'oldest first');
  assert.ok(verifier.posts.every((p) => p.items.length <= 100 && p.secret === SECRET));
  const dropped = logs.filter((l) => l.msg === 'refusals not recorded by the verifier').reduce((sum, l) => sum + (l.dropped as number), 0);
  assert.equal(dropped, 200);
  assert.ok(!JSON.stringify(logs).includes(SECRET));
});

test('a verifier that refuses the post loses the batch, logged with the reason; the next ones still go, long texts cut', async (t) => {
  const verifier = await verifierStandIn(t, 503);
  const { authorizer, logs } = authorizerFor(verifier.url);
  authorizer.refused!(refusal(1));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && logs.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual([logs[0]?.msg, logs[0]?.dropped, logs[0]?.reason], ['refusals not recorded by the verifier', 1, 'the verifier answered 503']);
  authorizer.refused!({ ...refusal(2), topic: `long/${'x'.repeat(200_000)}` });
  await authorizer.close();
  assert.deepEqual(verifier.posts.map((p) => p.items[0]!.clientId), ['c-1', 'c-2']);
  assert.equal(verifier.posts[1]!.items[0]!.topic!.length, 1024, 'a long topic is cut to what the verifier could keep');
});
