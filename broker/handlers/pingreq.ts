/**
 * PINGREQ: answer PINGRESP [MQTT-3.12.4-1]; the keep alive clock was already reset by the read.
 *
 * @module broker/handlers/pingreq
 */
import type { Connection } from '../state.js';

export function handlePingreq(connection: Connection): void {
  connection.send({ cmd: 'pingresp' });
}
