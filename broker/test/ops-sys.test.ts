/**
 * `$SYS` statistics: the Mosquitto topic names, retained, and a value published again only when it
 * changed; the Prometheus registry mirrors the broker's counters and counts listener refusals.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BrokerStats } from '../broker.js';
import { createBrokerMetrics } from '../metrics.js';
import { startSysPublisher } from '../sys.js';

function fakeBroker() {
  const stats: BrokerStats = {
    clients: 1, connections: 1, sessions: 1, subscriptions: 2, retained: 0, retainedBytes: 0, queuedBytes: 0,
    messagesIn: 10, messagesOut: 20, bytesIn: 100, bytesOut: 200, droppedMessages: 0, refusedConnects: 0, deniedPublishes: 0, refusedSubscriptions: 0,
  };
  const published: Array<{ topic: string; payload: string; retain: boolean | undefined }> = [];
  return {
    stats: () => ({ ...stats }),
    set: (patch: Partial<BrokerStats>) => Object.assign(stats, patch),
    publish: (topic: string, payload: Buffer, options?: { retain?: boolean }) => published.push({ topic, payload: payload.toString(), retain: options?.retain }),
    published,
  };
}

test('$SYS values are published retained at start, then only those that changed', (t) => {
  const broker = fakeBroker();
  let now = 1_000_000;
  const sys = startSysPublisher(broker, { intervalMs: 60_000, version: '1.2.3', now: () => now });
  t.after(() => sys.stop());
  const first = Object.fromEntries(broker.published.map((p) => [p.topic, p.payload]));
  assert.equal(first['$SYS/broker/version'], 'arra-mq 1.2.3');
  assert.equal(first['$SYS/broker/clients/connected'], '1');
  assert.equal(first['$SYS/broker/messages/received'], '10');
  assert.ok(broker.published.every((p) => p.retain === true));
  broker.published.length = 0;
  broker.set({ clients: 3 });
  now += 5000;
  sys.publishNow();
  assert.deepEqual(broker.published.map((p) => [p.topic, p.payload]), [
    ['$SYS/broker/uptime', '5 seconds'],
    ['$SYS/broker/clients/connected', '3'],
  ]);
});

test('the metrics registry mirrors broker counters and counts refusals by transport and reason', async () => {
  const broker = fakeBroker();
  const metrics = createBrokerMetrics(broker);
  metrics.onRefused('tls', 'rate_address');
  metrics.onAccepted('ws');
  let text = await metrics.registry.metrics();
  assert.match(text, /^arra_broker_messages_received_total 10$/m);
  assert.match(text, /^arra_broker_connections_refused_total\{transport="tls",reason="rate_address"\} 1$/m);
  assert.match(text, /^arra_broker_connections_accepted_total\{transport="ws"\} 1$/m);
  broker.set({ messagesIn: 15 });
  text = await metrics.registry.metrics();
  assert.match(text, /^arra_broker_messages_received_total 15$/m);
});
