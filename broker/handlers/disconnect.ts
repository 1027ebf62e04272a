// The Session Expiry Interval may change, but not from 0 [MQTT-3.14.2-2].
import type { IDisconnectPacket } from 'mqtt-packet';
import type { Connection } from '../state.js';
import { ProtocolError } from '../errors.js';
import { RC } from '../reason-codes.js';

export function handleDisconnect(connection: Connection, packet: IDisconnectPacket): void {
  const session = connection.session!;
  const requested = packet.properties?.sessionExpiryInterval;
  if (requested !== undefined) {
    if (session.expiryInterval === 0 && requested !== 0) {
      throw new ProtocolError('session expiry set on DISCONNECT after CONNECT had 0');
    }
    session.expiryInterval = Math.min(requested, connection.core.limits.maxSessionExpiry);
  }
  // Only a Success DISCONNECT discards the will [MQTT-3.1.2-10] [MQTT-3.14.4-3]: 0x04 and error codes keep it.
  if ((packet.reasonCode ?? RC.success) === RC.success) connection.will = null;
  connection.close(true);
}
