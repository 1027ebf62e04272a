/**
 * Harness of the authorization attack tests: the real verifier (core and SQLite store in a temp dir)
 * behind the in-process authorizer or over HTTP, the broker started as `npm start` starts it, real
 * mqtt.js clients, and the broker's log lines captured so a test can read what was logged.
 *
 * @module broker/test/authz-helpers
 */
import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import pino from 'pino';
import { CredentialCreate, DeviceCreate, RuleCreate } from '../../schemas/admin.js';
import { startTestVerifier, WEBHOOK_SECRET, type TestVerifier } from '../../verifier/test/test-verifier.js';
import type { Decider } from '../../verifier/core/index.js';
import type { Broker } from '../broker.js';
import { createHttpAuthorizer } from '../authorizers/http.js';
import { createInProcessAuthorizer } from '../authorizers/in-process.js';
import { silent } from './listeners-helpers.js';
import { runBroker } from './ops-helpers.js';



export interface AuthzHarness {
  t: TestContext;
  store: TestVerifier['store'];
  admin: TestVerifier['useCases'];
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
  const verifier = await startTestVerifier(t, {
    env: { ARRA_LOG_LEVEL: 'silent', ARRA_ALLOW_ANONYMOUS: String(options.allowAnonymous ?? false), ...options.env },
  });
  const { store, useCases: admin, decider } = verifier;
  const changeFeed = (options.changeFeed ?? true) ? { waitMs: 1000 } : (false as const);
  const authorizer =
    options.wiring === 'http'
      ? createHttpAuthorizer({ url: verifier.url, secret: WEBHOOK_SECRET, timeoutMs: 2000, logger: silent, changeFeed })
      : createInProcessAuthorizer(decider, (listener) => store.onChange(listener), silent);
  t.after(() => authorizer.close());
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
