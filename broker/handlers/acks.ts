// The wrong ack type for a delivery is a protocol error (§4.3.2, §4.3.3; 5.0 §4.13); an unknown id is harmless.
import type { IPubackPacket, IPubcompPacket, IPubrecPacket, IPubrelPacket } from 'mqtt-packet';
import type { Connection, Outgoing } from '../state.js';
import { ProtocolError } from '../errors.js';
import { RC } from '../reason-codes.js';
import { markDelivery, saveSession } from '../session/durable.js';
import { settle } from '../session/outbox.js';

/** QoS 1 delivery complete [MQTT-4.3.2-5]: forget the message. */
export function handlePuback(connection: Connection, packet: IPubackPacket): void {
  const session = connection.session!;
  const entry = session.outgoing?.get(packet.messageId!);
  if (entry === undefined) return;
  if (entry.qos !== 1) throw wrongAck('PUBACK', entry);
  settle(connection.core, session, packet.messageId!);
}

/** QoS 2 step 2: answer PUBREL [MQTT-4.3.3-4]; a 5.0 error reason ends the exchange instead. */
export function handlePubrec(connection: Connection, packet: IPubrecPacket): void {
  const session = connection.session!;
  const id = packet.messageId!;
  const entry = session.outgoing?.get(id);
  if (entry === undefined) {
    connection.send({ cmd: 'pubrel', messageId: id, reasonCode: RC.packetIdentifierNotFound });
    return;
  }
  if (entry.qos !== 2) throw wrongAck('PUBREC', entry);
  if ((packet.reasonCode ?? 0) >= 0x80) {
    settle(connection.core, session, id); // the receiver refused it: the id is free again
    return;
  }
  if (entry.state === 'publish') {
    entry.state = 'pubrel'; // a repeated PUBREC is answered with PUBREL again
    markDelivery(connection.core, entry, id, 'pubrel');
  }
  // Once PUBREL leaves, the client delivers and forgets the id: a restart must not send the PUBLISH again.
  connection.core.store.afterCommit(() => connection.send({ cmd: 'pubrel', messageId: id }));
}

export function handlePubcomp(connection: Connection, packet: IPubcompPacket): void {
  const session = connection.session!;
  const entry = session.outgoing?.get(packet.messageId!);
  if (entry === undefined) return;
  if (entry.state !== 'pubrel') throw wrongAck('PUBCOMP', entry);
  settle(connection.core, session, packet.messageId!);
}

/** The client releases a QoS 2 message: forget its id and answer PUBCOMP [MQTT-4.3.3-11]. */
export function handlePubrel(connection: Connection, packet: IPubrelPacket): void {
  const session = connection.session!;
  const id = packet.messageId!;
  const known = session.incomingQos2?.delete(id) ?? false;
  if (known) saveSession(connection.core, session);
  // After PUBCOMP the client may reuse the id: a restart must not still hold it as a duplicate.
  connection.core.store.afterCommit(() => connection.send({ cmd: 'pubcomp', messageId: id, reasonCode: known ? RC.success : RC.packetIdentifierNotFound }));
}

function wrongAck(type: string, entry: Outgoing): ProtocolError {
  const awaiting = entry.qos === 1 ? 'PUBACK' : entry.state === 'publish' ? 'PUBREC' : 'PUBCOMP';
  return new ProtocolError(`${type} for a QoS ${entry.qos} delivery awaiting ${awaiting}`);
}
