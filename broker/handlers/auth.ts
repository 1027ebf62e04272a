/**
 * AUTH (5.0 enhanced authentication). We offer no authentication method, so a CONNECT naming one is
 * refused with 0x8C (see connect.ts) and an AUTH packet on an established connection is a protocol
 * error [MQTT-4.12.0-1]. (In 3.1.1 packet type 15 is reserved: the parser rejects it as malformed.)
 *
 * @module broker/handlers/auth
 */
import type { IAuthPacket } from 'mqtt-packet';
import type { Connection } from '../state.js';
import { ProtocolError } from '../errors.js';
import { RC } from '../reason-codes.js';

export function handleAuth(_connection: Connection, _packet: IAuthPacket): void {
  throw new ProtocolError('AUTH without an authentication method', RC.protocolError);
}
