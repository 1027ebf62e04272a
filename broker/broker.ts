// Adopts connections into the shared state (`state.ts`), runs the timer wheel and the registry-change
// rechecks.
import type { Duplex } from 'node:stream';
import type { Change, ConnectionListQuery, ConnectionPage } from '../schemas/index.js';
import { isValidTopicName } from '../rules/index.js';
import { disconnectClient, listClients } from './clients.js';
import { SocketConnection } from './connection.js';
import type { ConnectionInfo } from './listeners/types.js';
import { RC } from './reason-codes.js';
import { route } from './routing/router.js';
import { endConnection, tick } from './session/lifecycle.js';
import { recheck, recheckRestored } from './session/recheck.js';
import { restore } from './session/restore.js';
import { BrokerState, type BrokerOptions, type Connection } from './state.js';

export type { BrokerLogger, BrokerOptions } from './state.js';

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
  /** The connected clients, a page at a time (the admin API's connections). */
  clients(query: ConnectionListQuery): ConnectionPage;
  /** An operator's action; false when the client is not connected. */
  disconnect(clientId: string): boolean;
  /** Settles once the sessions loaded from the store are held to today's rights (listeners open after it). */
  readonly restored: Promise<void>;
  /** Graceful: DISCONNECT 0x8B (server shutting down) to 5.0 clients, close all, stop timers, close the store. */
  close(): Promise<void>;
}

/** It listens on nothing: listeners hand it connections through `handle`. */
export function createBroker(options: BrokerOptions): Broker {
  const core = new BrokerState(options);
  const connectionClosed = (connection: Connection) => endConnection(core, connection);
  restore(core, core.store.load(Date.now()), Date.now());
  const restored = recheckRestored(core).catch((err: unknown) => core.logger.error({ err }, 'recheck of restored sessions failed'));
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
      core.connections.add(new SocketConnection(core, stream, info, connectionClosed));
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
    clients: (query) => listClients(core, query),
    disconnect: (clientId) => disconnectClient(core, clientId),
    restored,
    async close() {
      if (core.closing) return;
      core.closing = true;
      clearInterval(timer);
      stopListening();
      core.refusalLog.flush();
      const streams = [...core.connections].map((connection) => connection.stream);
      for (const connection of [...core.connections]) connection.disconnect(RC.serverShuttingDown, 'server shutting down');
      await Promise.all(streams.map(waitClosed));
      core.store.close();
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
