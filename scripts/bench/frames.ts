/** Frames built once, PUBLISH as a template patched in place: encoding is never what is measured. */
import mqttPacket from 'mqtt-packet';

export const PAYLOAD_BYTES = 64;

/** A CONNECT; without a username (and password) it is an anonymous one; `clean` false keeps the session. */
export function connectFrame(clientId: string, username?: string, password?: string, keepalive = 0, clean = true): Buffer {
  return mqttPacket.generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean,
    clientId,
    keepalive,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password: Buffer.from(password) }),
  });
}

export function subscribeFrame(topic: string, qos: 0 | 1): Buffer {
  return mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos }] });
}

export const DISCONNECT = mqttPacket.generate({ cmd: 'disconnect' });

export function pubackFrame(id: number): Buffer {
  return Buffer.from([0x40, 0x02, id >> 8, id & 0xff]);
}

/** A PUBLISH frame and where its packet id sits (QoS 1) and where its payload starts. */
export interface PublishTemplate {
  frame: Buffer;
  idOffset: number;
  payloadOffset: number;
}

export function publishTemplate(topic: string, qos: 0 | 1): PublishTemplate {
  const payload = Buffer.alloc(PAYLOAD_BYTES, 0x61);
  const frame = mqttPacket.generate({ cmd: 'publish', topic, payload, qos, messageId: qos ? 1 : undefined, retain: false, dup: false });
  const payloadOffset = frame.length - PAYLOAD_BYTES;
  return { frame, idOffset: payloadOffset - 2, payloadOffset };
}

/** `count` QoS 0 copies of the template in one buffer: one write() per batch. */
export function publishBatch(template: PublishTemplate, count: number): Buffer {
  const out = Buffer.allocUnsafe(template.frame.length * count);
  for (let i = 0; i < count; i++) template.frame.copy(out, i * template.frame.length);
  return out;
}
