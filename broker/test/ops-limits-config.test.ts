/**
 * The resource bounds set from the environment reach the running broker (`startBroker`): keep
 * alive, topic levels, filter length and subscriptions per client, each answered as documented.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqtt from 'mqtt';
import { loadBrokerConfig } from '../config.js';
import { startBroker } from '../start.js';
import { recordingAuthorizer } from './ops-helpers.js';
import { silent } from './listeners-helpers.js';

test('ARRA_MAX_KEEPALIVE, ARRA_MAX_TOPIC_LEVELS, ARRA_MAX_FILTER_LENGTH and ARRA_MAX_SUBSCRIPTIONS_PER_CLIENT apply to clients', async (t) => {
  const config = loadBrokerConfig({
    ARRA_MQTT_PORT: '0', ARRA_SYS_INTERVAL: '0', ARRA_BROKER_DURABILITY: 'memory',
    ARRA_MAX_KEEPALIVE: '7', ARRA_MAX_TOPIC_LEVELS: '3', ARRA_MAX_FILTER_LENGTH: '20', ARRA_MAX_SUBSCRIPTIONS_PER_CLIENT: '2',
  });
  const running = await startBroker(config, recordingAuthorizer(), { logger: silent });
  t.after(() => running.close());
  const client = mqtt.connect(`mqtt://127.0.0.1:${running.ports.mqtt}`, { protocolVersion: 5, keepalive: 0, reconnectPeriod: 0 });
  t.after(() => client.end(true));
  const connack = await new Promise<mqtt.IConnackPacket>((resolve, reject) => client.once('connect', resolve).once('error', reject));
  assert.equal(connack.properties?.serverKeepAlive, 7);
  // mqtt.js rejects a SUBACK holding a failure code; the codes are on the packet it carries.
  const suback = await client.subscribeAsync({ 'a/b/c/d': { qos: 0 }, [`x${'x'.repeat(20)}`]: { qos: 0 }, 'a/b/c': { qos: 0 }, 'a/+': { qos: 0 }, 'a/#': { qos: 0 } })
    .then(() => assert.fail('every filter granted'), (err: { packet?: { granted?: number[] } }) => err.packet?.granted);
  assert.deepEqual(suback, [0x8f, 0x8f, 0, 0, 0x97]);
});
