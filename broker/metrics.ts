// A registry of the broker's own (no collision with the verifier's in one process), read at scrape time.
import { createServer } from 'node:http';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { BrokerStats } from './broker.js';
import { bind } from './listeners/admission.js';
import type { Gate, ListenerEvents, RefusalReason, Transport } from './listeners/index.js';

export interface BrokerMetrics extends Required<ListenerEvents> {
  registry: Registry;
}

type StatsSource = { stats(): BrokerStats };

const GAUGES: Array<[keyof BrokerStats, string, string]> = [
  ['clients', 'arra_broker_clients_connected', 'Clients past CONNECT.'],
  ['connections', 'arra_broker_connections_open', 'Sockets handed to the broker, connected or not.'],
  ['sessions', 'arra_broker_sessions', 'Sessions, connected or kept for their expiry.'],
  ['subscriptions', 'arra_broker_subscriptions', 'Subscriptions in the topic tree.'],
  ['retained', 'arra_broker_retained_messages', 'Retained messages stored.'],
  ['retainedBytes', 'arra_broker_retained_bytes', 'Bytes of retained messages, as counted against ARRA_MAX_RETAINED_BYTES.'],
  ['queuedBytes', 'arra_broker_queued_bytes', 'Bytes of QoS 1/2 messages queued or in flight, as counted against ARRA_MAX_QUEUED_BYTES.'],
];

const COUNTERS: Array<[keyof BrokerStats, string, string]> = [
  ['messagesIn', 'arra_broker_messages_received_total', 'PUBLISH packets received from clients.'],
  ['messagesOut', 'arra_broker_messages_sent_total', 'PUBLISH packets sent to clients.'],
  ['bytesIn', 'arra_broker_bytes_received_total', 'Bytes received from clients.'],
  ['bytesOut', 'arra_broker_bytes_sent_total', 'Bytes sent to clients.'],
  ['droppedMessages', 'arra_broker_messages_dropped_total', 'Messages not delivered because a queue or limit was full.'],
  ['refusedConnects', 'arra_broker_connects_refused_total', 'CONNECTs refused (credentials, ACL, authorizer down, protocol).'],
  ['deniedPublishes', 'arra_broker_publishes_denied_total', 'PUBLISHes and wills the ACL refused (exact; the log keeps a few lines per client and reason).'],
  ['refusedSubscriptions', 'arra_broker_subscriptions_refused_total', 'SUBSCRIBE filters refused: ACL, invalid or too large, over quota (exact; the log is rate limited).'],
];

/** A counter mirroring a monotonic value of `stats()`: each scrape adds what grew since the last. */
function mirrorCounter(registry: Registry, broker: StatsSource, key: keyof BrokerStats, name: string, help: string): void {
  let last = 0;
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const value = broker.stats()[key];
      if (value > last) this.inc(value - last);
      last = value;
    },
  });
}

/** prom-client's default 10 ms event-loop sampling wakes an idle broker 100 times a second. */
const EVENT_LOOP_SAMPLE_MS = 1000;

/** Pending sockets the gate closed (connect deadline, eviction of the oldest), read at scrape time. */
function expelledCounter(registry: Registry, gate: Pick<Gate, 'expelled'>): void {
  const last: Record<string, number> = {};
  new Counter({
    name: 'arra_broker_connections_expelled_total',
    help: 'Sockets closed before they authenticated: no handshake and CONNECT within the connect timeout, or evicted as the oldest pending.',
    labelNames: ['reason'] as const,
    registers: [registry],
    collect() {
      for (const [reason, value] of Object.entries(gate.expelled)) {
        if (value > (last[reason] ?? 0)) this.inc({ reason }, value - (last[reason] ?? 0));
        last[reason] = value;
      }
    },
  });
}

export function createBrokerMetrics(broker: StatsSource, gate?: Pick<Gate, 'expelled'>): BrokerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  for (const [key, name, help] of GAUGES) {
    new Gauge({ name, help, registers: [registry], collect() { this.set(broker.stats()[key]); } });
  }
  for (const [key, name, help] of COUNTERS) mirrorCounter(registry, broker, key, name, help);
  if (gate !== undefined) expelledCounter(registry, gate);
  // Counted in a plain record, labelled at scrape time: prom-client hashes the labels on every `inc`.
  const acceptedBy: Partial<Record<Transport, number>> = {};
  const lastAccepted: Partial<Record<Transport, number>> = {};
  new Counter({
    name: 'arra_broker_connections_accepted_total',
    help: 'Connections admitted by a listener.',
    labelNames: ['transport'] as const,
    registers: [registry],
    collect() {
      for (const [transport, value] of Object.entries(acceptedBy) as Array<[Transport, number]>) {
        this.inc({ transport }, value - (lastAccepted[transport] ?? 0));
        lastAccepted[transport] = value;
      }
    },
  });
  const refused = new Counter({
    name: 'arra_broker_connections_refused_total',
    help: 'Connections refused by a listener before any MQTT (connection cap, connect rate).',
    labelNames: ['transport', 'reason'] as const,
    registers: [registry],
  });
  return {
    registry,
    onAccepted: (transport: Transport) => {
      acceptedBy[transport] = (acceptedBy[transport] ?? 0) + 1;
    },
    onRefused: (transport: Transport, reason: RefusalReason) => refused.inc({ transport, reason }),
  };
}

export async function startMetricsServer(options: { host: string; port: number; registry: Registry }): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'not_found', message: 'metrics are at GET /metrics' }));
      return;
    }
    options.registry.metrics().then(
      (body) => {
        res.writeHead(200, { 'content-type': options.registry.contentType });
        res.end(body);
      },
      () => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'metrics_failed' }));
      },
    );
  });
  const port = await bind(server, options.host, options.port);
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
