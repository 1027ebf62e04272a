/**
 * Harness of the authorization attack tests: the real verifier (core and SQLite store in a temp dir)
 * behind the in-process authorizer or over HTTP, the broker started as `npm start` starts it, real
 * mqtt.js clients, and the broker's log lines captured so a test can read what was logged.
 *
 * @module broker/test/authz-helpers
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import pino from 'pino';
import { CredentialCreate, DeviceCreate, RuleCreate } from '../../schemas/admin.js';
import { assembleVerifier, loadConfig, startVerifier } from '../../verifier/index.js';
import type { Decider } from '../../verifier/core/index.js';
import type { Authorizer } from '../authorizer.js';
import type { Broker } from '../broker.js';
import { createHttpAuthorizer } from '../authorizers/http.js';
import { createInProcessAuthorizer } from '../authorizers/in-process.js';
import { silent } from './listeners-helpers.js';
import { runBroker } from './ops-helpers.js';

const SECRET = 'authz-attack-webhook-secret-0123456';
const quiet = { logger: silent, stderr: new Writable({ write: (_c, _e, cb) => cb() }) };

type Assembled = Awaited<ReturnType<typeof assembleVerifier>>;
type Store = Assembled['store'];

export interface AuthzHarness {
  t: TestContext;
  store: Store;
  admin: Assembled['admin'];
  /** The verifier's decision core (the one the adapters' routes call). */
  decider: Decider;
  broker: Broker;
  url: string;
  /** The broker's log lines, parsed. */
  logs: Array<Record<string, unknown>>;
  /** Registers a device with a password; returns the password. */
  device(id: string, fields?: { superuser?: boolean; requireClientIdMatch?: boolean }): Promise<string>;
  /** Adds an ACL rule for one device. */
  rule(deviceId: string, rule: Omit<RuleCreate, 'subject'>): Promise<number>;
}

export interface AuthzOptions {
  /** `http`: the HTTP authorizer and the change feed against a verifier on 127.0.0.1. */
  wiring?: 'in-process' | 'http';
  allowAnonymous?: boolean;
  /** Broker config overrides (e.g. `maxSessionExpiry`). */
  broker?: Record<string, unknown>;
  /** More verifier variables (e.g. `ARRA_LOCKOUT_LOCK_AFTER`). */
  env?: Record<string, string>;
  /** `false`: over HTTP, the broker hears of no registry change (only CONNECTs decide). */
  changeFeed?: boolean;
}

export async function startAuthz(t: TestContext, options: AuthzOptions = {}): Promise<AuthzHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'arra-authz-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = loadConfig({
    ARRA_DATA_DIR: dir, ARRA_HTTP_PORT: '0', ARRA_LOG_LEVEL: 'silent', ARRA_WEBHOOK_SECRET: SECRET,
    ARRA_ADMIN_TOKEN: 'admin-token-for-tests-0123456789', ARRA_ALLOW_ANONYMOUS: String(options.allowAnonymous ?? false),
    ...options.env,
  });
  const { store, admin, decider, authorizer } = options.wiring === 'http' ? await overHttp(t, config, options.changeFeed ?? true) : await inProcess(t, config);
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _e, cb) => (logs.push(JSON.parse(String(chunk))), cb()) }));
  const running = await runBroker(t, authorizer, options.broker ?? {}, { logger });
  return {
    t,
    store,
    admin,
    decider,
    broker: running.broker,
    url: `mqtt://127.0.0.1:${running.ports.mqtt}`,
    logs,
    async device(id, fields = {}) {
      await admin.createDevice(DeviceCreate.parse({ id, ...fields }));
      return (await admin.addCredential(id, CredentialCreate.parse({ kind: 'password' }))).secret!;
    },
    async rule(deviceId, rule) {
      return (await admin.createRule(RuleCreate.parse({ subject: { kind: 'device', id: deviceId }, ...rule }))).id;
    },
  };
}

interface Wired {
  store: Store;
  admin: Assembled['admin'];
  decider: Decider;
  authorizer: Authorizer;
}

async function inProcess(t: TestContext, config: ReturnType<typeof loadConfig>): Promise<Wired> {
  const verifier = await assembleVerifier(config, silent);
  t.after(() => verifier.close());
  const authorizer = createInProcessAuthorizer(verifier.decider, (listener) => verifier.store.onChange(listener), silent);
  t.after(() => authorizer.close());
  return { store: verifier.store, admin: verifier.admin, decider: verifier.decider, authorizer };
}

async function overHttp(t: TestContext, config: ReturnType<typeof loadConfig>, feed: boolean): Promise<Wired> {
  const verifier = await startVerifier(config, quiet);
  t.after(() => verifier.close());
  const changeFeed = feed ? { waitMs: 1000 } : (false as const);
  const authorizer = createHttpAuthorizer({ url: verifier.url, secret: SECRET, timeoutMs: 2000, logger: silent, changeFeed });
  t.after(() => authorizer.close());
  return { store: verifier.store, admin: verifier.admin, decider: verifier.decider, authorizer };
}

export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

export interface Connected {
  code: number;
  client: MqttClient;
  sessionPresent: boolean;
  /** Every message received, from the first packet after CONNACK on (a resumed session's queue). */
  got: Received[];
}

/** Connects and resolves with the CONNACK code (0 = accepted) and the client. */
export function connectCode(t: TestContext, url: string, options: IClientOptions): Promise<Connected> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 4000, protocolVersion: 5, ...options });
  t.after(() => new Promise<void>((resolve) => client.end(true, {}, () => resolve())));
  const got: Received[] = [];
  client.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), retain: packet.retain }));
  return new Promise((resolve, reject) => {
    client.once('connect', (ack) => resolve({ code: 0, client, sessionPresent: ack.sessionPresent, got }));
    client.once('error', (err) => {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'number') resolve({ code, client, sessionPresent: false, got });
      else reject(err);
    });
  });
}

/** Connects and fails the test unless the broker accepts. */
export async function connected(t: TestContext, url: string, options: IClientOptions): Promise<MqttClient & { sessionPresent: boolean; got: Received[] }> {
  const { code, client, sessionPresent, got } = await connectCode(t, url, options);
  if (code !== 0) throw new Error(`CONNECT of ${options.clientId} refused with ${code}`);
  return Object.assign(client, { sessionPresent, got });
}

/** Resolves true when the client's connection closes within `ms`. */
export function closesWithin(client: MqttClient, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    client.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Resolves once the broker has logged a line whose `msg` is `msg` (fails after `ms`). */
export async function logged(h: AuthzHarness, msg: string, ms = 2000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const line = h.logs.find((l) => l.msg === msg);
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`no log line "${msg}"`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export { mqtt };

/** Waits until `predicate` holds (fails after `ms`). */
export async function until(predicate: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
