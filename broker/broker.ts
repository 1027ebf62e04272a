/**
 * The broker: shared state (sessions, subscription tree, retained messages, counters), the adoption
 * of connections, and the public `Broker` face. Packet handling is in `handlers/`, delivery in
 * `session/` and `routing/`.
 *
 * @module broker/broker
 */
import type { Duplex } from 'node:stream';
import pino from 'pino';
import type { Change } from '../schemas/index.js';
import { LogLimiter } from '../logging/log-limiter.js';
import { isValidTopicName } from '../rules/index.js';
import type { Authorizer } from './authorizer.js';
import { Connection } from './connection.js';
import type { ConnectionInfo } from './listeners/types.js';
import { resolveLimits, type BrokerLimits } from './limits.js';
import { RC } from './reason-codes.js';
import { RetainedStore } from './routing/retained.js';
import { route } from './routing/router.js';
import { TopicTree } from './routing/topic-tree.js';
import { recheck } from './session/recheck.js';
import { endConnection, tick } from './session/lifecycle.js';
import type { Session } from './session/session.js';

/** The logging surface the broker needs; a pino logger fits. */
export interface BrokerLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface BrokerOptions {
  authorizer: Authorizer;
  /** Defaults to a silent logger. */
  logger?: BrokerLogger;
  limits?: Partial<BrokerLimits>;
  /**
   * Keep alive the server imposes, seconds. 5.0 clients are told with Server Keep Alive
   * [MQTT-3.2.2-21]; 3.1.1 clients cannot be told, so theirs is kept.
   */
  serverKeepAlive?: number;
}

export interface BrokerStats {
  /** Connections past CONNECT. */
  clients: number;
  /** Sockets handed to the broker, connected or not. */
  connections: number;
  sessions: number;
  subscriptions: number;
  retained: number;
  /** Bytes of retained messages, as counted against the retained byte bounds. */
  retainedBytes: number;
  /** Bytes of QoS 1/2 messages queued or in flight for all sessions, as counted against the queue byte bounds. */
  queuedBytes: number;
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Messages not delivered because a queue, a retained store or a client's size limit was full. */
  droppedMessages: number;
  /** CONNECTs refused (credentials, ACL, authorizer down, protocol). */
  refusedConnects: number;
  /** PUBLISHes (wills included) the ACL refused. */
  deniedPublishes: number;
  /** SUBSCRIBE filters refused (ACL, invalid or too large, quota). */
  refusedSubscriptions: number;
}

export interface Broker {
  /** Adopt one client connection (a net.Socket, tls.TLSSocket, or a Duplex from a WebSocket). */
  handle(stream: Duplex, info: ConnectionInfo): void;
  /** Publish from the broker itself ($SYS statistics), bypassing client ACLs. */
  publish(topic: string, payload: Buffer, options?: { qos?: 0 | 1; retain?: boolean }): void;
  stats(): BrokerStats;
  /** Re-authenticate the connected sessions a registry change affects (also wired to `authorizer.onChange`). */
  recheck(change: Change): Promise<void>;
  /** Graceful: DISCONNECT 0x8B (server shutting down) to 5.0 clients, close all, stop timers. */
  close(): Promise<void>;
}

export class BrokerCore {
  readonly limits: BrokerLimits;
  readonly logger: BrokerLogger;
  readonly authorizer: Authorizer;
  readonly serverKeepAlive: number | undefined;
  readonly sessions = new Map<string, Session>();
  readonly connections = new Set<Connection>();
  /** Disconnected sessions waiting for a delayed will or their expiry. */
  readonly dormant = new Set<Session>();
  readonly tree = new TopicTree();
  readonly retained: RetainedStore;
  readonly counters = { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, droppedMessages: 0, refusedConnects: 0, deniedPublishes: 0, refusedSubscriptions: 0 };
  /** Refusal warnings, at most a few per client and reason per window (see `logging/log-limiter`); the counters stay exact. */
  readonly refusalLog: LogLimiter;
  /** Bytes all sessions hold for delivery (see `session/outbox`). */
  heldBytes = 0;
  closing = false;
  /** Counts registry changes, so a CONNECT decided across one can ask again (see handlers/connect.ts). */
  changeEpoch = 0;

  constructor(options: BrokerOptions) {
    this.limits = resolveLimits(options.limits);
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.authorizer = options.authorizer;
    this.serverKeepAlive = options.serverKeepAlive;
    this.retained = new RetainedStore(this.limits);
    this.refusalLog = new LogLimiter((fields, message) => this.logger.warn(fields, message));
  }

  /** Logs a refused request of `clientId`, within the refusal log's rate limits (per client, message and reason). */
  logRefusal(clientId: string, fields: { reason: string } & Record<string, unknown>, message: string): void {
    this.refusalLog.log(clientId, fields, message);
  }

  connectionClosed(connection: Connection): void {
    endConnection(this, connection);
  }
}

/** Creates a broker. It listens on nothing: listeners hand it connections through `handle`. */
export function createBroker(options: BrokerOptions): Broker {
  const core = new BrokerCore(options);
  const timer = setInterval(() => {
    try {
      tick(core, Date.now());
    } catch (err) {
      core.logger.error({ err }, 'timer wheel tick failed'); // a bug must not take the broker down
    }
  }, core.limits.tickMs);
  timer.unref();
  const stopListening = core.authorizer.onChange((change) => {
    recheck(core, change).catch((err: unknown) => core.logger.error({ err }, 'recheck failed'));
  });

  return {
    handle(stream, info) {
      if (core.closing) {
        stream.destroy();
        return;
      }
      core.connections.add(new Connection(core, stream, info));
    },
    publish(topic, payload, publishOptions = {}) {
      if (!isValidTopicName(topic)) throw new TypeError(`invalid topic name ${JSON.stringify(topic)}`);
      route(core, { topic, payload, qos: publishOptions.qos ?? 0, retain: publishOptions.retain ?? false });
    },
    stats() {
      let clients = 0;
      for (const connection of core.connections) if (connection.state === 'connected') clients++;
      return {
        clients,
        connections: core.connections.size,
        sessions: core.sessions.size,
        subscriptions: core.tree.size,
        retained: core.retained.size,
        retainedBytes: core.retained.bytes,
        queuedBytes: core.heldBytes,
        ...core.counters,
      };
    },
    recheck: (change) => recheck(core, change),
    async close() {
      if (core.closing) return;
      core.closing = true;
      clearInterval(timer);
      stopListening();
      core.refusalLog.flush();
      const streams = [...core.connections].map((connection) => connection.stream);
      for (const connection of [...core.connections]) connection.disconnect(RC.serverShuttingDown, 'server shutting down');
      await Promise.all(streams.map(waitClosed));
    },
  };
}

function waitClosed(stream: Duplex): Promise<void> {
  if (stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      stream.destroy();
      resolve();
    }, 500);
    stream.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
