// Parsed once with zod, every bad variable named. Precedence: defaults < `ARRA_*` < the JSON file
// `ARRA_BROKER_CONFIG` (camelCase keys), so a deployment can pin values a stray variable must not change.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { BROKER_CONTROL_SOCKET_FILE, SERVER_CA_FILE } from '../schemas/data-dir.js';
import { BrokerConfigError } from './errors.js';
import { defaultLimits } from './limits.js';
import { addressList } from '../rules/index.js';

const Bind = z.string().min(1).default('127.0.0.1');
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

interface Variable {
  /** The `BrokerConfig` key, also the name in the `ARRA_BROKER_CONFIG` file; a later variable of one key wins. */
  key: string;
  /** Parser with the default; the table shows the parsed default. */
  schema: z.ZodType;
  /** What an unset variable means when its default is another variable's, for the table. */
  unset?: string;
  description: string;
}

const VARIABLES = {
  ARRA_BIND: { key: 'bind', schema: Bind, description: 'Address of every listener whose own bind variable is unset (`ARRA_WEBHOOK_BIND`, `ARRA_MQTT_BIND`), never of the admin API.' },
  ARRA_MQTT_BIND: { key: 'bind', schema: Bind, unset: '(`ARRA_BIND`)', description: 'Address of the broker listeners (MQTT, TLS, WebSocket, metrics): what devices reach. Unset: `ARRA_BIND`.' },
  ARRA_MQTT_PORT: { key: 'mqttPort', schema: Port.default(1883), description: 'MQTT over TCP.' },
  ARRA_MQTT_TLS_PORT: { key: 'tlsPort', schema: Port.nullable().default(null), description: 'MQTT over TLS with client certificates (unset: off). Needs `ARRA_TLS_CERT` and `ARRA_TLS_KEY`.' },
  ARRA_TLS_CERT: { key: 'tlsCert', schema: z.string().min(1).nullable().default(null), description: "PEM file of the broker's TLS server certificate." },
  ARRA_TLS_KEY: { key: 'tlsKey', schema: z.string().min(1).nullable().default(null), description: "PEM file of the broker's TLS server key." },
  ARRA_TLS_CA: { key: 'tlsCa', schema: z.string().min(1).nullable().default(null), description: "PEM file of the CA that signs device certificates (unset: the verifier's device CA)." },
  ARRA_TLS_REJECT_UNAUTHORIZED: { key: 'tlsRejectUnauthorized', schema: Bool.default(true), description: 'Refuse client certificates the CA did not sign (false: let them in, but never as a credential).' },
  ARRA_WS_PORT: { key: 'wsPort', schema: Port.nullable().default(null), description: 'MQTT over WebSocket, path `/mqtt` (unset: off).' },
  ARRA_WSS_PORT: { key: 'wssPort', schema: Port.nullable().default(null), description: 'MQTT over WebSocket with TLS (`wss://`, for browsers on https pages), path `/mqtt` (unset: off). Needs `ARRA_TLS_CERT` and `ARRA_TLS_KEY`; asks no client certificate.' },
  ARRA_AUTHORIZER: { key: 'authorizer', schema: z.enum(['inprocess', 'http']).default('inprocess'), description: '`inprocess` (npm start) or `http` (standalone `dist/runtime/broker.js`, always http).' },
  ARRA_VERIFIER_URL: { key: 'verifierUrl', schema: List.pipe(z.array(z.url()).min(1)).default(['http://127.0.0.1:8080']), description: 'Verifier the standalone broker asks over HTTP (https when its webhook listener is off loopback). A comma list names replicas in order of preference: a replica that stops answering is skipped (within the one decision deadline) until its `/healthz` answers again.' },
  ARRA_VERIFIER_CA: { key: 'verifierCa', schema: z.string().min(1).nullable().default(null), description: "PEM file of the CA the broker trusts for an https `ARRA_VERIFIER_URL` (unset: `$ARRA_DATA_DIR/server-ca.pem` when it exists, else the system's CAs)." },
  ARRA_WEBHOOK_SECRET: { key: 'webhookSecret', schema: z.string().min(1).nullable().default(null), description: 'Shared secret brokers send as `X-Arra-Secret`. Unset: the verifier generates it into `$ARRA_DATA_DIR/webhook-secret` (0600), where the broker reads it under the verifier\'s rules for that file.' },
  ARRA_DATA_DIR: { key: 'dataDir', schema: z.string().min(1).default('./data'), description: 'Directory of the SQLite registry, signing keys, CA and generated secrets.' },
  ARRA_BROKER_CONTROL_SOCKET: { key: 'controlSocket', schema: z.string().min(1).nullable().default(null), unset: '(`$ARRA_DATA_DIR/broker-control.sock`)', description: 'The standalone broker\'s control socket for the verifier\'s admin API (see the verifier\'s row).' },
  ARRA_BROKER_DURABILITY: {
    key: 'durability',
    schema: z.enum(['fsync', 'os', 'memory']).default('fsync'),
    description:
      "What the broker keeps across restarts in `$ARRA_DATA_DIR/broker.db` (retained messages, persistent sessions, their queued and in-flight QoS 1/2 messages, delayed wills), and what it can lose. `fsync`: a QoS 1/2 message is acknowledged only once it is on disk; loses nothing it acknowledged, even on a power cut. `os`: acknowledged once written to the OS; survives a restart and kill -9, a power cut can lose the last commits. `memory`: no file; a restart loses all of it. QoS 0 is never stored.",
  },
  ARRA_BROKER_STORE_MAX_BYTES: {
    key: 'storeMaxBytes',
    schema: Positive.nullable().default(null),
    description:
      'Largest size of `broker.db`, bytes (unset: `ARRA_MAX_QUEUED_BYTES` + `ARRA_MAX_RETAINED_BYTES` + 64 MiB). A message the full store cannot keep is refused: 5.0 PUBACK/PUBREC 0x97, 3.1.1 closed unacknowledged (the client sends it again).',
  },
  ARRA_AUTHORIZER_TIMEOUT_MS: { key: 'authorizerTimeoutMs', schema: Positive.default(2000), description: 'How long the broker waits for a CONNECT decision before failing closed (0x88 / 0x03).' },
  ARRA_AUTHORIZER_CONNECTIONS: { key: 'authorizerConnections', schema: Positive.default(16), description: 'Keep-alive HTTP connections from the broker to the verifier.' },
  ARRA_MAX_CONNECTIONS: { key: 'maxConnections', schema: Positive.default(100_000), description: 'Authenticated connections (past CONNACK) the broker holds at most; beyond it new sockets are closed at once and a CONNECT gets 0x89 server busy (3.1.1: 0x03).' },
  ARRA_MAX_PENDING_CONNECTIONS: { key: 'maxPendingConnections', schema: Positive.default(1000), description: 'Sockets not yet authenticated (TLS/WebSocket handshake or CONNECT under way), all addresses together; when full, the oldest is closed to make room. They never take the slots of `ARRA_MAX_CONNECTIONS`.' },
  ARRA_MAX_PENDING_PER_ADDRESS: { key: 'maxPendingPerAddress', schema: Positive.default(100), description: 'Sockets not yet authenticated from one address; more are closed at once.' },
  ARRA_CONNECT_TIMEOUT_MS: { key: 'connectTimeoutMs', schema: Positive.default(10_000), description: 'A socket that has not completed its handshake and CONNECT within this time is closed, ms.' },
  ARRA_MAX_KEEPALIVE: { key: 'maxKeepAlive', schema: z.coerce.number().int().min(1).max(65535).default(65535), description: "Largest keep alive granted, seconds (Mosquitto's `max_keepalive`): keep alive 0 or above it becomes this, told to 5.0 clients as Server Keep Alive, applied silently to 3.1.1 ones." },
  ARRA_SERVER_KEEPALIVE: { key: 'serverKeepAlive', schema: z.coerce.number().int().min(1).max(65535).nullable().default(null), description: 'Keep alive imposed on every MQTT 5.0 client (Server Keep Alive), seconds (unset: the client\'s, bounded by `ARRA_MAX_KEEPALIVE`).' },
  ARRA_CONNECT_RATE: { key: 'connectRate', schema: Positive.default(50), description: 'New connections per second and address (token bucket).' },
  ARRA_CONNECT_RATE_GLOBAL: { key: 'connectRateGlobal', schema: Positive.default(5000), description: 'New connections per second over all addresses.' },
  ARRA_MAX_PACKET_SIZE: { key: 'maxPacketSize', schema: Positive.min(64).max(268_435_455).default(262_144), description: 'Largest MQTT packet accepted and sent, bytes.' },
  ARRA_MAX_TOPIC_LEVELS: { key: 'maxTopicLevels', schema: Positive.default(defaultLimits.maxTopicLevels), description: 'Levels a topic or filter may have (as Mosquitto). More: SUBACK 0x8F (3.1.1: 0x80); a PUBLISH or will topic: 5.0 DISCONNECT/CONNACK 0x90, 3.1.1 closed.' },
  ARRA_MAX_FILTER_LENGTH: { key: 'maxFilterLength', schema: Positive.max(65535).default(defaultLimits.maxFilterLength), description: 'Bytes a topic filter may have; longer: SUBACK 0x8F (3.1.1: 0x80).' },
  ARRA_MAX_SUBSCRIPTIONS_PER_CLIENT: { key: 'maxSubscriptionsPerClient', schema: Positive.default(defaultLimits.maxSubscriptionsPerSession), description: 'Subscriptions one session may hold; more: SUBACK 0x97 quota exceeded (3.1.1: 0x80).' },
  ARRA_MAX_SUBSCRIPTION_BYTES_PER_CLIENT: { key: 'maxSubscriptionBytesPerClient', schema: Positive.default(defaultLimits.maxSubscriptionBytesPerSession), description: 'Bytes the subscriptions of one session may cost (filter, plus 160 per level and 200 each); more: SUBACK 0x97 (3.1.1: 0x80).' },
  ARRA_MAX_QUEUED_MESSAGES: { key: 'maxQueuedMessages', schema: Positive.default(defaultLimits.maxQueuedPerSession), description: "QoS 1/2 messages queued per session (beyond the in-flight window, or while offline); the oldest is dropped (Mosquitto's `max_queued_messages`)." },
  ARRA_MAX_QUEUED_BYTES_PER_CLIENT: { key: 'maxQueuedBytesPerClient', schema: Positive.default(defaultLimits.maxQueuedBytesPerSession), description: "Bytes of QoS 1/2 messages one session holds, queued and in flight, online or offline; beyond it the oldest queued are dropped, then the new one (Mosquitto's `max_queued_bytes`). Counted in `arra_broker_messages_dropped_total`." },
  ARRA_MAX_QUEUED_BYTES: { key: 'maxQueuedBytes', schema: Positive.default(defaultLimits.maxQueuedBytes), description: 'Bytes of QoS 1/2 messages all sessions hold together; beyond it messages are dropped as above.' },
  ARRA_MAX_WRITE_BUFFER_BYTES: { key: 'maxWriteBufferBytes', schema: Positive.default(defaultLimits.maxWriteBufferBytes), description: "Unsent bytes of a client's socket beyond which QoS 0 messages to it are dropped." },
  ARRA_MAX_RETAINED: { key: 'maxRetained', schema: Positive.default(defaultLimits.maxRetained), description: 'Retained messages kept broker-wide; a new topic beyond it is not retained (still delivered).' },
  ARRA_MAX_RETAINED_BYTES: { key: 'maxRetainedBytes', schema: Positive.default(defaultLimits.maxRetainedBytes), description: 'Bytes of retained messages broker-wide; beyond it a message is not retained (still delivered).' },
  ARRA_MAX_RETAINED_BYTES_PER_CLIENT: { key: 'maxRetainedBytesPerClient', schema: Positive.default(defaultLimits.maxRetainedBytesPerClient), description: 'Bytes of retained messages one device may hold, whatever client ids it uses (an anonymous client: per client id); beyond it its message is not retained (still delivered).' },
  ARRA_MAX_THROTTLE_MS: { key: 'maxThrottleMs', schema: z.coerce.number().int().min(0).default(defaultLimits.maxThrottleMs), description: 'Longest a slow QoS 1/2 subscriber may pause its publishers (flow control), ms; then it is marked slow and loses its oldest messages instead.' },
  ARRA_SLOW_SUBSCRIBER_PENALTY_MS: { key: 'slowSubscriberPenaltyMs', schema: z.coerce.number().int().min(0).default(defaultLimits.slowSubscriberPenaltyMs), description: 'How long a subscriber marked slow pauses nobody, ms (renewed while its queue keeps filling), so a stop-and-go reader cannot stall publishers again and again.' },
  ARRA_BROKER_METRICS_PORT: { key: 'metricsPort', schema: Port.nullable().default(null), description: 'Prometheus `/metrics` of the broker (unset: off).' },
  ARRA_SYS_INTERVAL: { key: 'sysInterval', schema: z.coerce.number().int().min(0).default(10), description: 'Seconds between `$SYS/broker/...` statistics (0: off).' },
  ARRA_LOG_LEVEL: { key: 'logLevel', schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'), description: 'pino log level (JSON on stdout).' },
  ARRA_PROXY_PROTOCOL: { key: 'proxyProtocol', schema: List.pipe(z.array(z.enum(['tcp', 'tls', 'ws', 'wss']))).default([]), description: 'Comma list of listeners (`tcp`, `tls`, `ws`, `wss`) behind a load balancer that starts each connection with a PROXY protocol header (v1 or v2, e.g. HAProxy `send-proxy`): limits, lockout and logs then see the device\'s own address. Needs `ARRA_PROXY_TRUSTED`.' },
  ARRA_PROXY_TRUSTED: { key: 'proxyTrusted', schema: List.pipe(z.array(AddressOrCidr)).default([]), description: 'Comma list of balancer addresses or CIDRs allowed to send the PROXY header; on those listeners every other address is refused, and a missing or malformed header closes the connection.' },
} as const satisfies Record<string, Variable>;

type Variables = typeof VARIABLES;
type Shape = { [N in keyof Variables as Variables[N]['key']]: Variables[N]['schema'] };
const shape = Object.fromEntries(Object.values(VARIABLES).map((v: Variable) => [v.key, v.schema])) as Shape;

export const BrokerConfig = z
  .object(shape)
  .strict()
  .refine((c) => c.proxyProtocol.length === 0 || c.proxyTrusted.length > 0, {
    path: ['proxyTrusted'],
    message: 'the PROXY protocol is on for some listener: name the balancer addresses allowed to send it',
  });
export type BrokerConfig = z.infer<typeof BrokerConfig>;



/** The broker's variables with their defaults, for the README's configuration table. */
export function brokerConfigRows(): Array<{ name: string; default: string; description: string }> {
  const defaults = BrokerConfig.parse({}) as Record<string, unknown>;
  return Object.entries(VARIABLES as Record<string, Variable>).map(([name, v]) => {
    const value = v.unset ?? defaults[v.key];
    const shown = value === null ? '(unset)' : Array.isArray(value) && value.length === 0 ? '(empty)' : String(value);
    return { name, default: shown, description: v.description };
  });
}

/** Empty variables count as unset, so `ARRA_WS_PORT=` in an env file keeps the listener off. */
function readEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, { key }] of Object.entries(VARIABLES as Record<string, Variable>)) {
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
      const variable = Object.entries(VARIABLES as Record<string, Variable>).find(([, v]) => v.key === i.path[0])?.[0];
      return `${key}${variable ? ` (${variable})` : ''}: ${i.message}`;
    });
    throw new BrokerConfigError(`invalid broker configuration: ${problems.join('; ')}`, { cause: result.error });
  }
  return result.data;
}

/** Where the standalone broker's control socket listens. */
export function controlSocketPath(config: Pick<BrokerConfig, 'controlSocket' | 'dataDir'>): string {
  return config.controlSocket ?? join(config.dataDir, BROKER_CONTROL_SOCKET_FILE);
}

/** The CA for an https verifier URL: `ARRA_VERIFIER_CA`, else the verifier's server CA in the data directory, else the system's. */
export function resolveVerifierCa(config: Pick<BrokerConfig, 'verifierUrl' | 'verifierCa' | 'dataDir'>): string | undefined {
  if (config.verifierUrl.every((url) => new URL(url).protocol !== 'https:')) return undefined;
  const path = config.verifierCa ?? join(config.dataDir, SERVER_CA_FILE);
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    if (config.verifierCa) throw new BrokerConfigError(`ARRA_VERIFIER_CA: cannot read ${path}`, { cause });
    return undefined;
  }
}
