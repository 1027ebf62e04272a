// Each fault has a stable `code` from one union (as jose): logs and tests key on the code, not the message.
import type { ConnectRefusal } from './reason-codes.js';

export type BrokerErrorCode =
  | 'ERR_MQTT_MALFORMED'
  | 'ERR_MQTT_PROTOCOL'
  | 'ERR_MQTT_PACKET_TOO_LARGE'
  | 'ERR_MQTT_CONNECT_REFUSED'
  | 'ERR_AUTHORIZER_UNAVAILABLE'
  | 'ERR_BROKER_CONFIG';

export abstract class BrokerError extends Error {
  abstract readonly code: BrokerErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The base of one code: the code is static and on every instance, so both `Class.code` and `err.code` read it. */
function coded<C extends BrokerErrorCode>(code: C) {
  return class extends BrokerError {
    static readonly code: C = code;
    readonly code: C = code;
  };
}

/** A frame that does not parse as MQTT, or breaks a wire-level rule: 0x81 (5.0) and a close. */
export class MalformedPacketError extends coded('ERR_MQTT_MALFORMED') {}

/** A well-formed packet the protocol does not allow here: a 5.0 reason (default 0x82) and a close. */
export class ProtocolError extends coded('ERR_MQTT_PROTOCOL') {
  constructor(
    message: string,
    /** The 5.0 DISCONNECT reason code to send. */
    readonly reasonCode = 0x82,
  ) {
    super(message);
  }
}

/** A packet bigger than the Maximum Packet Size we announce in CONNACK (5.0: DISCONNECT 0x95). */
export class PacketTooLargeError extends coded('ERR_MQTT_PACKET_TOO_LARGE') {
  constructor(readonly size: number, readonly limit: number) {
    super(`packet of ${size} bytes exceeds the limit of ${limit}`);
  }
}

/** A CONNECT the broker answers with a refusal CONNACK (the code comes from `reason-codes.ts`). */
export class ConnectRefusedError extends coded('ERR_MQTT_CONNECT_REFUSED') {
  constructor(readonly refusal: ConnectRefusal, message: string) {
    super(message);
  }
}

/** The verifier could not be asked or could not decide: fail closed. */
export class AuthorizerUnavailableError extends coded('ERR_AUTHORIZER_UNAVAILABLE') {}

/** The configuration could not be parsed or completed: the message names every offending key. */
export class BrokerConfigError extends coded('ERR_BROKER_CONFIG') {}
