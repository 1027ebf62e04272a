import type { Packet } from 'mqtt-packet';
import type { Connection } from '../state.js';
import { ProtocolError } from '../errors.js';
import { handlePuback, handlePubcomp, handlePubrec, handlePubrel } from './acks.js';
import { handleAuth } from './auth.js';
import { handleConnect } from './connect.js';
import { handleDisconnect } from './disconnect.js';
import { handlePingreq } from './pingreq.js';
import { handlePublish } from './publish.js';
import { handleSubscribe } from './subscribe.js';
import { handleUnsubscribe } from './unsubscribe.js';

export function dispatch(connection: Connection, packet: Packet): void {
  connection.lastSeen = Date.now();
  if (connection.state === 'new') {
    // The first packet must be CONNECT [MQTT-3.1.0-1].
    if (packet.cmd !== 'connect') throw new ProtocolError(`${packet.cmd} before CONNECT`);
    return handleConnect(connection, packet);
  }
  switch (packet.cmd) {
    case 'publish':
      return handlePublish(connection, packet);
    case 'puback':
      return handlePuback(connection, packet);
    case 'pubrec':
      return handlePubrec(connection, packet);
    case 'pubrel':
      return handlePubrel(connection, packet);
    case 'pubcomp':
      return handlePubcomp(connection, packet);
    case 'subscribe':
      return handleSubscribe(connection, packet);
    case 'unsubscribe':
      return handleUnsubscribe(connection, packet);
    case 'pingreq':
      return handlePingreq(connection);
    case 'disconnect':
      return handleDisconnect(connection, packet);
    case 'auth':
      return handleAuth(connection, packet);
    case 'connect':
      // A second CONNECT is a protocol violation [MQTT-3.1.0-2].
      throw new ProtocolError('second CONNECT');
    default:
      // CONNACK, SUBACK, UNSUBACK, PINGRESP only travel server→client.
      throw new ProtocolError(`unexpected ${packet.cmd} from a client`);
  }
}
