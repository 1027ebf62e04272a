// UNSUBACK [MQTT-3.10.4-4]; 5.0 says per filter whether a subscription existed (0x00 or 0x11).
import type { IUnsubscribePacket } from 'mqtt-packet';
import type { Connection } from '../state.js';
import { ProtocolError } from '../errors.js';
import { RC } from '../reason-codes.js';
import { saveSession } from '../session/durable.js';

export function handleUnsubscribe(connection: Connection, packet: IUnsubscribePacket): void {
  // At least one filter [MQTT-3.10.3-2] (5.0: "an UNSUBSCRIBE packet with no Payload is a Protocol Error").
  if (packet.unsubscriptions.length === 0) throw new ProtocolError('UNSUBSCRIBE without a topic filter');
  const session = connection.session!;
  const granted: number[] = [];
  for (const raw of packet.unsubscriptions) {
    const sub = session.deleteSubscription(raw);
    if (sub === undefined) {
      granted.push(RC.noSubscriptionExisted);
      continue;
    }
    connection.core.tree.remove(sub.filter, sub.group, session.clientId);
    granted.push(RC.success);
  }
  if (granted.includes(RC.success)) saveSession(connection.core, session);
  // 3.1.1 UNSUBACK has no payload; the encoder writes `granted` only for 5.0.
  connection.core.store.afterCommit(() => connection.send({ cmd: 'unsuback', messageId: packet.messageId!, granted }));
}
