/**
 * Real MQTT clients for the live interop suite: mqtt.js (3.1.1 and 5.0) and Debian's
 * `mosquitto_pub` / `mosquitto_sub`, each bounded in time; and the registry, provisioned over the
 * verifier's admin API.
 *
 * @module broker-adapters/test/live/clients
 */
import { execFile } from 'node:child_process';
import type { TestContext } from 'node:test';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { VerifierProcess } from '../../../verifier/test/process.js';

export type Connected = { ok: true; client: MqttClient; ms: number };
/** `code`: the CONNACK's return / reason code; absent when the broker closed without a CONNACK. */
export type Refused = { ok: false; code?: number; detail: string; ms: number };

export interface Login {
  clientId: string;
  username?: string;
  password?: string;
  protocolVersion?: 4 | 5;
}

/** Connects with mqtt.js and reports whether the broker let the client in, closing it with the test. */
export function tryConnect(t: TestContext, port: number, login: Login, timeoutMs = 20_000): Promise<Connected | Refused> {
  const started = Date.now();
  const options: IClientOptions = {
    host: '127.0.0.1',
    port,
    clientId: login.clientId,
    protocolVersion: login.protocolVersion ?? 5,
    reconnectPeriod: 0,
    connectTimeout: timeoutMs,
    clean: true,
    ...(login.username === undefined ? {} : { username: login.username }),
    ...(login.password === undefined ? {} : { password: login.password }),
  };
  const client = mqtt.connect(options);
  t.after(() => new Promise<void>((resolve) => client.end(true, {}, () => resolve())));
  return new Promise((resolve) => {
    const refuse = (detail: string, code?: number) => {
      client.end(true);
      resolve({ ok: false, detail, ms: Date.now() - started, ...(code === undefined ? {} : { code }) });
    };
    client.once('connect', () => resolve({ ok: true, client, ms: Date.now() - started }));
    client.once('error', (err: Error & { code?: number | string }) => refuse(err.message, typeof err.code === 'number' ? err.code : undefined));
    client.once('close', () => refuse('closed without CONNACK'));
  });
}

/** Connects or throws: for clients the test needs in. */
export async function connectOk(t: TestContext, port: number, login: Login): Promise<MqttClient> {
  const result = await tryConnect(t, port, login);
  if (!result.ok) throw new Error(`${login.clientId} was refused: ${result.detail}`);
  return result.client;
}

/** The granted QoS / reason code per filter of one SUBSCRIBE. */
export async function subscribe(client: MqttClient, filter: string | string[], qos: 0 | 1 = 1): Promise<number[]> {
  try {
    const granted = await client.subscribeAsync(filter, { qos });
    return granted.map((g) => g.qos);
  } catch (err) {
    // mqtt.js rejects an MQTT 5 SUBACK with a failure code; the codes are on the packet it carries.
    const suback = (err as { packet?: { granted?: number[] } }).packet;
    if (suback?.granted) return suback.granted;
    throw err;
  }
}

/** Every message the client receives from now on. */
export function inbox(client: MqttClient): Array<{ topic: string; payload: string }> {
  const messages: Array<{ topic: string; payload: string }> = [];
  client.on('message', (topic, payload) => messages.push({ topic, payload: payload.toString() }));
  return messages;
}

/** Waits until `predicate` holds (asked again every `everyMs`), at most `ms`; returns whether it did. */
export async function eventually(predicate: () => boolean | Promise<boolean>, ms = 10_000, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return true;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `mosquitto_pub` / `mosquitto_sub` (or any command), never longer than `timeoutMs`. */
export function runClient(command: string, args: string[], timeoutMs = 20_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `mosquitto_pub`/`_sub` arguments for one login (MQTT 3.1.1 unless told otherwise). */
export function mosquittoArgs(port: number, login: Login): string[] {
  return [
    '-h', '127.0.0.1', '-p', String(port), '-i', login.clientId, '-V', login.protocolVersion === 5 ? 'mqttv5' : 'mqttv311',
    ...(login.username === undefined ? [] : ['-u', login.username]),
    ...(login.password === undefined ? [] : ['-P', login.password]),
  ];
}

export interface DeviceSpec {
  superuser?: boolean;
  requireClientIdMatch?: boolean;
  password?: string;
}

/** A device with an optional password, through the admin API. */
export async function addDevice(v: VerifierProcess, id: string, spec: DeviceSpec = {}): Promise<void> {
  await v.admin('POST', '/devices', { id, superuser: spec.superuser ?? false, requireClientIdMatch: spec.requireClientIdMatch ?? true });
  if (spec.password !== undefined) await v.admin('POST', `/devices/${id}/credentials`, { kind: 'password', secret: spec.password });
}

export async function allow(v: VerifierProcess, deviceId: string, action: 'publish' | 'subscribe' | 'all', topic: string): Promise<void> {
  await v.admin('POST', '/rules', { subject: { kind: 'device', id: deviceId }, action, topic, permission: 'allow' });
}

export async function issueToken(v: VerifierProcess, deviceId: string): Promise<{ token: string; jti: string }> {
  return v.admin('POST', `/devices/${deviceId}/tokens`, { ttlSeconds: 3600 });
}
