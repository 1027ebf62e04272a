/**
 * Shared pieces of the listener tests: a recording stand-in for the broker (aedes speaks the MQTT, so
 * these tests exercise only what the listeners add), a silent logger and a mqtt.js connect that never
 * retries.
 *
 * @module broker/test/listeners-helpers
 */
import type { TestContext } from 'node:test';
import aedesModule from 'aedes';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import pino from 'pino';
import type { ConnectionHandler, ConnectionInfo } from '../listeners/index.js';

export const silent = pino({ level: 'silent' });

/**
 * Records what each connection's listener passed on (without the admission ticket) and, like our
 * broker after a CONNECT, promotes the ticket (aedes knows nothing of it).
 */
export function recordingHandler(t: TestContext): ConnectionHandler & { seen: ConnectionInfo[] } {
  const aedes = aedesModule.createBroker();
  t.after(() => new Promise<void>((resolve) => aedes.close(() => resolve())));
  const seen: ConnectionInfo[] = [];
  return {
    seen,
    handle(stream, { admission, ...info }) {
      seen.push(info);
      admission?.promote();
      aedes.handle(stream);
    },
  };
}

/** Connects once (no reconnect); rejects on error or close before CONNACK. */
export async function connect(t: TestContext, url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 3000, ...options });
  t.after(() => client.end(true));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
  return client;
}
