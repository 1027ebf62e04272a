/**
 * The bundled broker's configuration: environment variables parsed once with zod into a typed
 * `BrokerConfig`, failing fast with every bad variable named.
 *
 * Precedence, lowest to highest: built-in defaults < environment (`ARRA_*`) < the JSON file named by
 * `ARRA_BROKER_CONFIG`. The file uses the camelCase keys of `BrokerConfig` (e.g. `{"mqttPort": 1884}`),
 * so a deployment can pin values that a stray environment variable must not change.
 *
 * @module broker/config
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { BrokerConfigError } from './errors.js';
import { defaultLimits } from './limits.js';
import { addressList } from './listeners/proxy.js';

const Port = z.coerce.number().int().min(0).max(65535);
const Positive = z.coerce.number().int().positive();
/** A comma-separated list in the environment, an array in the JSON file. */
const List = z.union([z.array(z.string()), z.string().transform((s) => s.split(',').map((w) => w.trim()).filter((w) => w !== ''))]);
const AddressOrCidr = z.string().refine((entry) => {
  try {
    addressList([entry]);
    return true;
  } catch {
    return false;
  }
}, 'must be an IP address or a CIDR');
const Bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((s) => s === 'true' || s === '1')]);

export const BrokerConfig = z
  .object({
    bind: z.string().min(1).default('127.0.0.1'),
    mqttPort: Port.default(1883),
    /** null = the TLS listener is off. */
    tlsPort: Port.nullable().default(null),
    tlsCert: z.string().min(1).nullable().default(null),
    tlsKey: z.string().min(1).nullable().default(null),
    /** CA file that signs device certificates; null = the verifier's device CA (in-process, or its `GET /v1/ca.pem`). */
    tlsCa: z.string().min(1).nullable().default(null),
    /** false accepts unverified client certificates, but then never passes their fingerprint on. */
    tlsRejectUnauthorized: Bool.default(true),
    /** null = the WebSocket listener is off. */
    wsPort: Port.nullable().default(null),
    /** null = the WebSocket-over-TLS listener is off; it uses the TLS listener's certificate and key. */
    wssPort: Port.nullable().default(null),
    /**
     * Where CONNECT decisions come from when the broker shares a process with the verifier (`npm
     * start`): `inprocess` (default) or `http`. The standalone `runtime/broker.ts` always uses `http`.
     */
    authorizer: z.enum(['inprocess', 'http']).default('inprocess'),
    /** The verifier, or its replicas in order of preference (a comma list in the environment). */
    verifierUrl: List.pipe(z.array(z.url()).min(1)).default(['http://127.0.0.1:8080']),
    /** PEM file trusted for an https verifierUrl; null = `$ARRA_DATA_DIR/server-ca.pem` when present, else the system's CAs. */
    verifierCa: z.string().min(1).nullable().default(null),
    /** Shared secret for the verifier's native endpoints; null = read `$ARRA_DATA_DIR/webhook-secret`. */
    webhookSecret: z.string().min(1).nullable().default(null),
    dataDir: z.string().min(1).default('./data'),
    authorizerTimeoutMs: Positive.default(2000),
    authorizerConnections: Positive.default(16),
    /** Authenticated connections (past CONNACK); sockets still handshaking count against the pending caps instead. */
    maxConnections: Positive.default(100_000),
    /** Sockets not yet authenticated, over all addresses (the oldest is closed to make room). */
    maxPendingConnections: Positive.default(1000),
    /** Sockets not yet authenticated from one address; more are refused. */
    maxPendingPerAddress: Positive.default(100),
    /** From accept to CONNACK (TLS or WebSocket handshake and CONNECT together), ms. */
    connectTimeoutMs: Positive.default(10_000),
    /** Largest keep alive granted, seconds; a client asking 0 (never) or more gets this (Mosquitto's `max_keepalive`). */
    maxKeepAlive: z.coerce.number().int().min(1).max(65535).default(65535),
    /** Keep alive imposed on every 5.0 client (Server Keep Alive in CONNACK), seconds; null = the client's, bounded. */
    serverKeepAlive: z.coerce.number().int().min(1).max(65535).nullable().default(null),
    /** New connections per second and address (token bucket, burst = the same number). */
    connectRate: Positive.default(50),
    /** New connections per second over all addresses. */
    connectRateGlobal: Positive.default(5000),
    maxPacketSize: Positive.min(64).max(268_435_455).default(262_144),
    /** The per-client and overall memory bounds of `limits.ts`, defaults from there. */
    maxTopicLevels: Positive.default(defaultLimits.maxTopicLevels),
    maxFilterLength: Positive.max(65535).default(defaultLimits.maxFilterLength),
    maxSubscriptionsPerClient: Positive.default(defaultLimits.maxSubscriptionsPerSession),
    maxSubscriptionBytesPerClient: Positive.default(defaultLimits.maxSubscriptionBytesPerSession),
    maxQueuedMessages: Positive.default(defaultLimits.maxQueuedPerSession),
    maxQueuedBytesPerClient: Positive.default(defaultLimits.maxQueuedBytesPerSession),
    maxQueuedBytes: Positive.default(defaultLimits.maxQueuedBytes),
    maxWriteBufferBytes: Positive.default(defaultLimits.maxWriteBufferBytes),
    maxRetained: Positive.default(defaultLimits.maxRetained),
    maxRetainedBytes: Positive.default(defaultLimits.maxRetainedBytes),
    maxRetainedBytesPerClient: Positive.default(defaultLimits.maxRetainedBytesPerClient),
    maxThrottleMs: z.coerce.number().int().min(0).default(defaultLimits.maxThrottleMs),
    slowSubscriberPenaltyMs: z.coerce.number().int().min(0).default(defaultLimits.slowSubscriberPenaltyMs),
    /** null = no Prometheus endpoint. */
    metricsPort: Port.nullable().default(null),
    /** Seconds between `$SYS` publications; 0 = off. */
    sysInterval: z.coerce.number().int().min(0).default(10),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Listeners behind a load balancer that sends the PROXY protocol header (v1 or v2). */
    proxyProtocol: List.pipe(z.array(z.enum(['tcp', 'tls', 'ws', 'wss']))).default([]),
    /** Balancer addresses and CIDRs allowed to send it; connections from others are refused. */
    proxyTrusted: List.pipe(z.array(AddressOrCidr)).default([]),
  })
  .strict()
  .refine((c) => c.proxyProtocol.length === 0 || c.proxyTrusted.length > 0, {
    path: ['proxyTrusted'],
    message: 'the PROXY protocol is on for some listener: name the balancer addresses allowed to send it',
  });
export type BrokerConfig = z.infer<typeof BrokerConfig>;

/** Environment variable → config key. The lead's README table is generated from this list. */
export const ENV_KEYS = {
  ARRA_BIND: 'bind',
  // After ARRA_BIND: the later variable of one key wins (see readEnv).
  ARRA_MQTT_BIND: 'bind',
  ARRA_MQTT_PORT: 'mqttPort',
  ARRA_MQTT_TLS_PORT: 'tlsPort',
  ARRA_TLS_CERT: 'tlsCert',
  ARRA_TLS_KEY: 'tlsKey',
  ARRA_TLS_CA: 'tlsCa',
  ARRA_TLS_REJECT_UNAUTHORIZED: 'tlsRejectUnauthorized',
  ARRA_WS_PORT: 'wsPort',
  ARRA_WSS_PORT: 'wssPort',
  ARRA_AUTHORIZER: 'authorizer',
  ARRA_VERIFIER_URL: 'verifierUrl',
  ARRA_VERIFIER_CA: 'verifierCa',
  ARRA_WEBHOOK_SECRET: 'webhookSecret',
  ARRA_DATA_DIR: 'dataDir',
  ARRA_AUTHORIZER_TIMEOUT_MS: 'authorizerTimeoutMs',
  ARRA_AUTHORIZER_CONNECTIONS: 'authorizerConnections',
  ARRA_MAX_CONNECTIONS: 'maxConnections',
  ARRA_MAX_PENDING_CONNECTIONS: 'maxPendingConnections',
  ARRA_MAX_PENDING_PER_ADDRESS: 'maxPendingPerAddress',
  ARRA_CONNECT_TIMEOUT_MS: 'connectTimeoutMs',
  ARRA_MAX_KEEPALIVE: 'maxKeepAlive',
  ARRA_SERVER_KEEPALIVE: 'serverKeepAlive',
  ARRA_CONNECT_RATE: 'connectRate',
  ARRA_CONNECT_RATE_GLOBAL: 'connectRateGlobal',
  ARRA_MAX_PACKET_SIZE: 'maxPacketSize',
  ARRA_MAX_TOPIC_LEVELS: 'maxTopicLevels',
  ARRA_MAX_FILTER_LENGTH: 'maxFilterLength',
  ARRA_MAX_SUBSCRIPTIONS_PER_CLIENT: 'maxSubscriptionsPerClient',
  ARRA_MAX_SUBSCRIPTION_BYTES_PER_CLIENT: 'maxSubscriptionBytesPerClient',
  ARRA_MAX_QUEUED_MESSAGES: 'maxQueuedMessages',
  ARRA_MAX_QUEUED_BYTES_PER_CLIENT: 'maxQueuedBytesPerClient',
  ARRA_MAX_QUEUED_BYTES: 'maxQueuedBytes',
  ARRA_MAX_WRITE_BUFFER_BYTES: 'maxWriteBufferBytes',
  ARRA_MAX_RETAINED: 'maxRetained',
  ARRA_MAX_RETAINED_BYTES: 'maxRetainedBytes',
  ARRA_MAX_RETAINED_BYTES_PER_CLIENT: 'maxRetainedBytesPerClient',
  ARRA_MAX_THROTTLE_MS: 'maxThrottleMs',
  ARRA_SLOW_SUBSCRIBER_PENALTY_MS: 'slowSubscriberPenaltyMs',
  ARRA_BROKER_METRICS_PORT: 'metricsPort',
  ARRA_SYS_INTERVAL: 'sysInterval',
  ARRA_LOG_LEVEL: 'logLevel',
  ARRA_PROXY_PROTOCOL: 'proxyProtocol',
  ARRA_PROXY_TRUSTED: 'proxyTrusted',
} as const satisfies Record<string, keyof BrokerConfig>;

/** One line of meaning per variable, for the README's configuration table (`scripts/config-table.ts`). */
const ENV_DESCRIPTIONS: Record<keyof typeof ENV_KEYS, string> = {
  ARRA_BIND: 'Address of every listener whose own bind variable is unset (`ARRA_WEBHOOK_BIND`, `ARRA_MQTT_BIND`), never of the admin API.',
  ARRA_MQTT_BIND: 'Address of the broker listeners (MQTT, TLS, WebSocket, metrics): what devices reach. Unset: `ARRA_BIND`.',
  ARRA_MQTT_PORT: 'MQTT over TCP.',
  ARRA_MQTT_TLS_PORT: 'MQTT over TLS with client certificates (unset: off). Needs `ARRA_TLS_CERT` and `ARRA_TLS_KEY`.',
  ARRA_TLS_CERT: "PEM file of the broker's TLS server certificate.",
  ARRA_TLS_KEY: "PEM file of the broker's TLS server key.",
  ARRA_TLS_CA: "PEM file of the CA that signs device certificates (unset: the verifier's device CA).",
  ARRA_TLS_REJECT_UNAUTHORIZED: 'Refuse client certificates the CA did not sign (false: let them in, but never as a credential).',
  ARRA_WS_PORT: 'MQTT over WebSocket, path `/mqtt` (unset: off).',
  ARRA_WSS_PORT: 'MQTT over WebSocket with TLS (`wss://`, for browsers on https pages), path `/mqtt` (unset: off). Needs `ARRA_TLS_CERT` and `ARRA_TLS_KEY`; asks no client certificate.',
  ARRA_AUTHORIZER: '`inprocess` (npm start) or `http` (standalone `dist/runtime/broker.js`, always http).',
  ARRA_VERIFIER_URL: 'Verifier the standalone broker asks over HTTP (https when its webhook listener is off loopback). A comma list names replicas in order of preference: a replica that stops answering is skipped (within the one decision deadline) until its `/healthz` answers again.',
  ARRA_VERIFIER_CA: "PEM file of the CA the broker trusts for an https `ARRA_VERIFIER_URL` (unset: `$ARRA_DATA_DIR/server-ca.pem` when it exists, else the system's CAs).",
  ARRA_WEBHOOK_SECRET: 'Shared secret brokers send as `X-Arra-Secret`. Unset: the verifier generates it into `$ARRA_DATA_DIR/webhook-secret` (0600), where the broker reads it.',
  ARRA_DATA_DIR: 'Directory of the SQLite registry, signing keys, CA and generated secrets.',
  ARRA_AUTHORIZER_TIMEOUT_MS: 'How long the broker waits for a CONNECT decision before failing closed (0x88 / 0x03).',
  ARRA_AUTHORIZER_CONNECTIONS: 'Keep-alive HTTP connections from the broker to the verifier.',
  ARRA_MAX_CONNECTIONS: 'Authenticated connections (past CONNACK) the broker holds at most; beyond it new sockets are closed at once and a CONNECT gets 0x89 server busy (3.1.1: 0x03).',
  ARRA_MAX_PENDING_CONNECTIONS: 'Sockets not yet authenticated (TLS/WebSocket handshake or CONNECT under way), all addresses together; when full, the oldest is closed to make room. They never take the slots of `ARRA_MAX_CONNECTIONS`.',
  ARRA_MAX_PENDING_PER_ADDRESS: 'Sockets not yet authenticated from one address; more are closed at once.',
  ARRA_CONNECT_TIMEOUT_MS: 'A socket that has not completed its handshake and CONNECT within this time is closed, ms.',
  ARRA_MAX_KEEPALIVE: "Largest keep alive granted, seconds (Mosquitto's `max_keepalive`): keep alive 0 or above it becomes this, told to 5.0 clients as Server Keep Alive, applied silently to 3.1.1 ones.",
  ARRA_SERVER_KEEPALIVE: 'Keep alive imposed on every MQTT 5.0 client (Server Keep Alive), seconds (unset: the client\'s, bounded by `ARRA_MAX_KEEPALIVE`).',
  ARRA_CONNECT_RATE: 'New connections per second and address (token bucket).',
  ARRA_CONNECT_RATE_GLOBAL: 'New connections per second over all addresses.',
  ARRA_MAX_PACKET_SIZE: 'Largest MQTT packet accepted and sent, bytes.',
  ARRA_MAX_TOPIC_LEVELS: 'Levels a topic or filter may have (as Mosquitto). More: SUBACK 0x8F (3.1.1: 0x80); a PUBLISH or will topic: 5.0 DISCONNECT/CONNACK 0x90, 3.1.1 closed.',
  ARRA_MAX_FILTER_LENGTH: 'Bytes a topic filter may have; longer: SUBACK 0x8F (3.1.1: 0x80).',
  ARRA_MAX_SUBSCRIPTIONS_PER_CLIENT: 'Subscriptions one session may hold; more: SUBACK 0x97 quota exceeded (3.1.1: 0x80).',
  ARRA_MAX_SUBSCRIPTION_BYTES_PER_CLIENT: 'Bytes the subscriptions of one session may cost (filter, plus 160 per level and 200 each); more: SUBACK 0x97 (3.1.1: 0x80).',
  ARRA_MAX_QUEUED_MESSAGES: "QoS 1/2 messages queued per session (beyond the in-flight window, or while offline); the oldest is dropped (Mosquitto's `max_queued_messages`).",
  ARRA_MAX_QUEUED_BYTES_PER_CLIENT: "Bytes of QoS 1/2 messages one session holds, queued and in flight, online or offline; beyond it the oldest queued are dropped, then the new one (Mosquitto's `max_queued_bytes`). Counted in `arra_broker_messages_dropped_total`.",
  ARRA_MAX_QUEUED_BYTES: 'Bytes of QoS 1/2 messages all sessions hold together; beyond it messages are dropped as above.',
  ARRA_MAX_WRITE_BUFFER_BYTES: "Unsent bytes of a client's socket beyond which QoS 0 messages to it are dropped.",
  ARRA_MAX_RETAINED: 'Retained messages kept broker-wide; a new topic beyond it is not retained (still delivered).',
  ARRA_MAX_RETAINED_BYTES: 'Bytes of retained messages broker-wide; beyond it a message is not retained (still delivered).',
  ARRA_MAX_RETAINED_BYTES_PER_CLIENT: 'Bytes of retained messages one client id may hold; beyond it its message is not retained (still delivered).',
  ARRA_MAX_THROTTLE_MS: 'Longest a slow QoS 1/2 subscriber may pause its publishers (flow control), ms; then it is marked slow and loses its oldest messages instead.',
  ARRA_SLOW_SUBSCRIBER_PENALTY_MS: 'How long a subscriber marked slow pauses nobody, ms (renewed while its queue keeps filling), so a stop-and-go reader cannot stall publishers again and again.',
  ARRA_BROKER_METRICS_PORT: 'Prometheus `/metrics` of the broker (unset: off).',
  ARRA_SYS_INTERVAL: 'Seconds between `$SYS/broker/...` statistics (0: off).',
  ARRA_LOG_LEVEL: 'pino log level (JSON on stdout).',
  ARRA_PROXY_PROTOCOL: 'Comma list of listeners (`tcp`, `tls`, `ws`, `wss`) behind a load balancer that starts each connection with a PROXY protocol header (v1 or v2, e.g. HAProxy `send-proxy`): limits, lockout and logs then see the device\'s own address. Needs `ARRA_PROXY_TRUSTED`.',
  ARRA_PROXY_TRUSTED: 'Comma list of balancer addresses or CIDRs allowed to send the PROXY header; on those listeners every other address is refused, and a missing or malformed header closes the connection.',
};

/** The broker's variables with their defaults, for the README's configuration table. */
export function brokerConfigRows(): Array<{ name: string; default: string; description: string }> {
  const defaults = BrokerConfig.parse({}) as Record<string, unknown>;
  return Object.entries(ENV_KEYS).map(([name, key]) => {
    const value = name === 'ARRA_MQTT_BIND' ? '(`ARRA_BIND`)' : defaults[key];
    const shown = value === null ? '(unset)' : Array.isArray(value) && value.length === 0 ? '(empty)' : String(value);
    return { name, default: shown, description: ENV_DESCRIPTIONS[name as keyof typeof ENV_KEYS] };
  });
}

/** Empty variables count as unset, so `ARRA_WS_PORT=` in an env file keeps the listener off. */
function readEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

function readFileLayer(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new BrokerConfigError(`ARRA_BROKER_CONFIG: cannot read JSON from ${path}`, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BrokerConfigError(`ARRA_BROKER_CONFIG: ${path} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** Parses defaults < env < `ARRA_BROKER_CONFIG` file into a `BrokerConfig`; throws `BrokerConfigError`. */
export function loadBrokerConfig(env: NodeJS.ProcessEnv = process.env): BrokerConfig {
  const merged = { ...readEnv(env), ...readFileLayer(env.ARRA_BROKER_CONFIG) };
  const result = BrokerConfig.safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.map((i) => {
      const key = i.path.join('.') || '(root)';
      // A list's entry is named by its index (`proxyTrusted.1`): its variable is the list's.
      const variable = Object.entries(ENV_KEYS).find(([, k]) => k === i.path[0])?.[0];
      return `${key}${variable ? ` (${variable})` : ''}: ${i.message}`;
    });
    throw new BrokerConfigError(`invalid broker configuration: ${problems.join('; ')}`, { cause: result.error });
  }
  return result.data;
}

/**
 * The secret for the verifier's native endpoints: the configured value, else the file the verifier
 * writes into the shared data directory. Missing both is a configuration error (fail closed).
 */
export function resolveWebhookSecret(config: Pick<BrokerConfig, 'webhookSecret' | 'dataDir'>): string {
  if (config.webhookSecret) return config.webhookSecret;
  const path = join(config.dataDir, 'webhook-secret');
  try {
    const secret = readFileSync(path, 'utf8').trim();
    if (secret) return secret;
  } catch (cause) {
    throw new BrokerConfigError(`ARRA_WEBHOOK_SECRET is unset and ${path} cannot be read`, { cause });
  }
  throw new BrokerConfigError(`ARRA_WEBHOOK_SECRET is unset and ${path} is empty`);
}

/**
 * The CA to trust for an https verifier URL: `ARRA_VERIFIER_CA`, else the verifier's server CA in the
 * shared data directory (a verifier whose webhook listener is off loopback issues its certificate from
 * it), else undefined (the system's CAs). An http URL needs none.
 */
export function resolveVerifierCa(config: Pick<BrokerConfig, 'verifierUrl' | 'verifierCa' | 'dataDir'>): string | undefined {
  if (config.verifierUrl.every((url) => new URL(url).protocol !== 'https:')) return undefined;
  const path = config.verifierCa ?? join(config.dataDir, 'server-ca.pem');
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    if (config.verifierCa) throw new BrokerConfigError(`ARRA_VERIFIER_CA: cannot read ${path}`, { cause });
    return undefined;
  }
}
