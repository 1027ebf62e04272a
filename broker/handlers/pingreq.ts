// PINGRESP [MQTT-3.12.4-1]; the read already reset the keep alive clock.
import type { Connection } from '../state.js';

export function handlePingreq(connection: Connection): void {
  connection.send({ cmd: 'pingresp' });
}
