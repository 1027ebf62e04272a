// We offer no method (CONNECT naming one gets 0x8C), so AUTH is a protocol error [MQTT-4.12.0-1].
// In 3.1.1 type 15 is reserved and the parser rejects it.
import type { IAuthPacket } from 'mqtt-packet';
import type { Connection } from '../state.js';
import { ProtocolError } from '../errors.js';
import { RC } from '../reason-codes.js';

export function handleAuth(_connection: Connection, _packet: IAuthPacket): void {
  throw new ProtocolError('AUTH without an authentication method', RC.protocolError);
}
