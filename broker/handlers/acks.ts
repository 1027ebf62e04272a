/**
 * The acknowledgement packets: PUBACK/PUBREC/PUBCOMP close our QoS 1/2 deliveries (freeing an
 * in-flight slot, so the queue drains); PUBREL releases a QoS 2 message the client sent us.
 *
 * @module broker/handlers/acks
 */
import type { IPubackPacket, IPubcompPacket, IPubrecPacket, IPubrelPacket } from 'mqtt-packet';
import type { Connection } from '../connection.js';
import { RC } from '../reason-codes.js';
import { drain } from '../session/outbox.js';

/** QoS 1 delivery complete: forget the message. */
export function handlePuback(connection: Connection, packet: IPubackPacket): void {
  const session = connection.session!;
  const entry = session.outgoing?.get(packet.messageId!);
  if (entry === undefined || entry.qos !== 1) return; // an unknown id is harmless: nothing to free
  session.outgoing!.delete(packet.messageId!);
  drain(connection.core, session);
}

/** QoS 2 step 2: answer PUBREL [MQTT-4.3.3-4]; a 5.0 error reason ends the exchange instead. */
export function handlePubrec(connection: Connection, packet: IPubrecPacket): void {
  const session = connection.session!;
  const id = packet.messageId!;
  const entry = session.outgoing?.get(id);
  if (entry === undefined || entry.qos !== 2) {
    connection.send({ cmd: 'pubrel', messageId: id, reasonCode: RC.packetIdentifierNotFound });
    return;
  }
  if ((packet.reasonCode ?? 0) >= 0x80) {
    session.outgoing!.delete(id); // the receiver refused it: the id is free again
    drain(connection.core, session);
    return;
  }
  entry.state = 'pubrel';
  connection.send({ cmd: 'pubrel', messageId: id });
}

/** QoS 2 delivery complete: forget the message and free its slot. */
export function handlePubcomp(connection: Connection, packet: IPubcompPacket): void {
  const session = connection.session!;
  const entry = session.outgoing?.get(packet.messageId!);
  if (entry === undefined || entry.state !== 'pubrel') return;
  session.outgoing!.delete(packet.messageId!);
  drain(connection.core, session);
}

/** The client releases a QoS 2 message: forget its id and answer PUBCOMP [MQTT-4.3.3-11]. */
export function handlePubrel(connection: Connection, packet: IPubrelPacket): void {
  const session = connection.session!;
  const id = packet.messageId!;
  const known = session.incomingQos2?.delete(id) ?? false;
  connection.send({ cmd: 'pubcomp', messageId: id, reasonCode: known ? RC.success : RC.packetIdentifierNotFound });
}
