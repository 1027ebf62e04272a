// A running broker from its configuration; the authorizer is the caller's to make and close.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Authorizer } from './authorizer.js';
import { createBroker, type Broker } from './broker.js';
import type { BrokerConfig } from './config.js';
import { BrokerConfigError } from './errors.js';
import { createGate, listenTcp, listenTls, listenWs, type Gate, type Listener, type ListenOptions, type Transport } from './listeners/index.js';
import { createBrokerMetrics, startMetricsServer, type BrokerMetrics } from './metrics.js';
import { openBrokerStore } from './persistence/index.js';
import { startSysPublisher } from './sys.js';

/** Bytes a WebSocket message may add around one MQTT packet (fixed header + remaining length). */
const WS_FRAME_OVERHEAD = 5;

export interface StartBrokerOptions {
  logger: Logger;
  /** Shown in `$SYS/broker/version`. */
  version?: string;
  /** The verifier's device CA (PEM), used by the TLS listener when `tlsCa` names no file. */
  deviceCaPem?: string;
}

export interface RunningBroker {
  broker: Broker;
  gate: Gate;
  metrics: BrokerMetrics;
  /** Ports actually bound (a configured 0 becomes the ephemeral port). */
  ports: { mqtt: number; tls?: number; ws?: number; wss?: number; metrics?: number };
  /** DISCONNECTs the clients (5.0: "server shutting down"), then closes listeners and endpoints. */
  close(): Promise<void>;
}

function readPem(path: string, variable: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new BrokerConfigError(`${variable}: cannot read ${path}`, { cause });
  }
}

/** The server certificate and key, which the listener named by `portVariable` cannot start without. */
function serverCertificate(config: BrokerConfig, portVariable: string) {
  if (!config.tlsCert || !config.tlsKey) throw new BrokerConfigError(`${portVariable} is set: ARRA_TLS_CERT and ARRA_TLS_KEY are required`);
  return { cert: readPem(config.tlsCert, 'ARRA_TLS_CERT'), key: readPem(config.tlsKey, 'ARRA_TLS_KEY') };
}

function tlsMaterial(config: BrokerConfig, deviceCaPem: string | undefined) {
  const certificate = serverCertificate(config, 'ARRA_MQTT_TLS_PORT');
  const ca = config.tlsCa ? readPem(config.tlsCa, 'ARRA_TLS_CA') : deviceCaPem;
  if (!ca) throw new BrokerConfigError('ARRA_MQTT_TLS_PORT is set: set ARRA_TLS_CA or give the verifier a device CA');
  return { ...certificate, ca };
}

async function openListeners(config: BrokerConfig, base: ListenOptions, deviceCaPem: string | undefined): Promise<Listener[]> {
  const listeners: Listener[] = [];
  try {
    const proxy = { trusted: config.proxyTrusted, timeoutMs: config.connectTimeoutMs };
    const behindProxy = (transport: Transport) => (config.proxyProtocol.includes(transport) ? { proxy } : {});
    listeners.push(await listenTcp({ ...base, ...behindProxy('tcp'), port: config.mqttPort }));
    if (config.tlsPort !== null) {
      const material = tlsMaterial(config, deviceCaPem);
      listeners.push(await listenTls({ ...base, ...behindProxy('tls'), ...material, port: config.tlsPort, rejectUnauthorized: config.tlsRejectUnauthorized }));
    }
    if (config.wsPort !== null) {
      listeners.push(await listenWs({ ...base, ...behindProxy('ws'), port: config.wsPort, maxPayload: config.maxPacketSize + WS_FRAME_OVERHEAD }));
    }
    if (config.wssPort !== null) {
      const tls = serverCertificate(config, 'ARRA_WSS_PORT');
      listeners.push(await listenWs({ ...base, ...behindProxy('wss'), port: config.wssPort, maxPayload: config.maxPacketSize + WS_FRAME_OVERHEAD, tls }));
    }
    return listeners;
  } catch (err) {
    // One port taken must not leave the others bound.
    await Promise.all(listeners.map((l) => l.close()));
    throw err;
  }
}

/** Sessions and the file's own overhead, beside the retained and queued budgets. */
const STORE_HEADROOM_BYTES = 64 * 1024 * 1024;

export async function startBroker(config: BrokerConfig, authorizer: Authorizer, options: StartBrokerOptions): Promise<RunningBroker> {
  const logger = options.logger;
  const store = openBrokerStore({
    dataDir: config.dataDir,
    durability: config.durability,
    maxBytes: config.storeMaxBytes ?? config.maxQueuedBytes + config.maxRetainedBytes + STORE_HEADROOM_BYTES,
    onError: (err) => logger.error({ err }, 'broker store commit failed'),
  });
  const broker = createBroker({
    authorizer,
    logger,
    store,
    limits: {
      maxPacketSize: config.maxPacketSize,
      authTimeoutMs: config.authorizerTimeoutMs + 500,
      connectTimeoutMs: config.connectTimeoutMs,
      maxKeepAlive: config.maxKeepAlive,
      maxTopicLevels: config.maxTopicLevels,
      maxFilterLength: config.maxFilterLength,
      maxSubscriptionsPerSession: config.maxSubscriptionsPerClient,
      maxSubscriptionBytesPerSession: config.maxSubscriptionBytesPerClient,
      maxQueuedPerSession: config.maxQueuedMessages,
      maxQueuedBytesPerSession: config.maxQueuedBytesPerClient,
      maxQueuedBytes: config.maxQueuedBytes,
      maxWriteBufferBytes: config.maxWriteBufferBytes,
      maxRetained: config.maxRetained,
      maxRetainedBytes: config.maxRetainedBytes,
      maxRetainedBytesPerClient: config.maxRetainedBytesPerClient,
      maxThrottleMs: config.maxThrottleMs,
      slowSubscriberPenaltyMs: config.slowSubscriberPenaltyMs,
    },
    ...(config.serverKeepAlive !== null ? { serverKeepAlive: config.serverKeepAlive } : {}),
  });
  const gate = createGate({
    maxConnections: config.maxConnections,
    connectRate: config.connectRate,
    connectRateGlobal: config.connectRateGlobal,
    maxPending: config.maxPendingConnections,
    maxPendingPerAddress: config.maxPendingPerAddress,
    connectTimeoutMs: config.connectTimeoutMs,
  });
  const metrics = createBrokerMetrics(broker, gate);
  const base: ListenOptions = { host: config.bind, port: 0, handler: broker, gate, logger, events: metrics };
  let listeners: Listener[];
  try {
    await broker.restored;
    listeners = await openListeners(config, base, options.deviceCaPem);
  } catch (err) {
    await broker.close();
    throw err;
  }
  const metricsServer = config.metricsPort === null
    ? undefined
    : await startMetricsServer({ host: config.bind, port: config.metricsPort, registry: metrics.registry });
  const sys = config.sysInterval > 0
    ? startSysPublisher(broker, { intervalMs: config.sysInterval * 1000, version: options.version ?? 'dev' })
    : undefined;

  const port = (transport: Listener['transport']) => listeners.find((l) => l.transport === transport)?.port;
  const ports = {
    mqtt: port('tcp')!,
    ...(port('tls') !== undefined ? { tls: port('tls') } : {}),
    ...(port('ws') !== undefined ? { ws: port('ws') } : {}),
    ...(port('wss') !== undefined ? { wss: port('wss') } : {}),
    ...(metricsServer ? { metrics: metricsServer.port } : {}),
  };
  logger.info({ ports, bind: config.bind }, 'broker listening');

  return {
    broker,
    gate,
    metrics,
    ports,
    async close() {
      sys?.stop();
      await broker.close();
      await Promise.all([...listeners.map((l) => l.close()), metricsServer?.close()]);
    },
  };
}
