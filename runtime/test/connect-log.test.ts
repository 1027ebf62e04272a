/** What an operator reads at info for each connect of `npm start`: the connect once, with its decision and peer. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqtt from 'mqtt';
import { startAllInOne } from './all-in-one.js';

const INFO = 30;

test('an allowed connect is logged once at info, with its decision, peer and protocol', async (t) => {
  const server = await startAllInOne(t, { ARRA_LOG_LEVEL: 'info', ARRA_ALLOW_ANONYMOUS: 'true' });
  const client = mqtt.connect(`mqtt://127.0.0.1:${server.mqttPort}`, { clientId: 'log-probe', reconnectPeriod: 0 });
  t.after(() => client.end(true));
  await new Promise<void>((resolve, reject) => (client.once('connect', () => resolve()), client.once('error', reject)));
  await client.endAsync();
  type Entry = Record<string, unknown>;
  const allowed = () =>
    server.logs
      .filter((line) => line.level === INFO && line.msg === 'authentications allowed')
      .flatMap((line) => line.entries as Entry[])
      .filter((entry) => entry.clientId === 'log-probe');
  const deadline = Date.now() + 10_000;
  while (allowed().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(allowed().length, 1, JSON.stringify(server.logs));
  const [entry] = allowed();
  assert.equal(entry!.peerAddress, '127.0.0.1');
  assert.equal(entry!.protocol, 'mqtt311');
  assert.equal(entry!.credential, 'anonymous');
  const ownLines = server.logs.filter((line) => line.level === INFO && line.clientId === 'log-probe');
  assert.deepEqual(ownLines, [], 'the broker does not log the same connect again');
});
