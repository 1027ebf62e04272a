// Decision × protocol version → wire code, once, so no handler branches on the version.
import type { DenyReason } from '../schemas/index.js';

/** MQTT 5.0 reason codes the broker sends (names as in the spec's table 2-6). */
export const RC = {
  success: 0x00,
  noMatchingSubscribers: 0x10,
  noSubscriptionExisted: 0x11,
  unspecifiedError: 0x80,
  malformedPacket: 0x81,
  protocolError: 0x82,
  unsupportedProtocolVersion: 0x84,
  clientIdentifierNotValid: 0x85,
  badUserNameOrPassword: 0x86,
  notAuthorized: 0x87,
  serverUnavailable: 0x88,
  serverBusy: 0x89,
  badAuthenticationMethod: 0x8c,
  serverShuttingDown: 0x8b,
  keepAliveTimeout: 0x8d,
  sessionTakenOver: 0x8e,
  topicFilterInvalid: 0x8f,
  topicNameInvalid: 0x90,
  packetIdentifierNotFound: 0x92,
  receiveMaximumExceeded: 0x93,
  topicAliasInvalid: 0x94,
  packetTooLarge: 0x95,
  quotaExceeded: 0x97,
  administrativeAction: 0x98,
  payloadFormatInvalid: 0x99,
} as const;

/** MQTT 3.1.1 CONNACK return codes (spec table 3.1). */
export const CONNACK_V3 = {
  accepted: 0x00,
  unacceptableProtocolVersion: 0x01,
  identifierRejected: 0x02,
  serverUnavailable: 0x03,
  badUserNameOrPassword: 0x04,
  notAuthorized: 0x05,
} as const;

/** What ended a CONNECT before a session existed. */
export type ConnectRefusal =
  | { kind: 'deny'; reason: DenyReason }
  | { kind: 'unavailable' }
  | { kind: 'busy' }
  | { kind: 'protocol_version' }
  | { kind: 'client_id' }
  | { kind: 'bad_auth_method' };

export function connackRefusal(refusal: ConnectRefusal, version: number): number {
  const v5 = version === 5;
  switch (refusal.kind) {
    case 'deny':
      // An unknown device reads as a wrong password, so CONNACKs do not enumerate device ids.
      if (refusal.reason === 'bad_credentials' || refusal.reason === 'unknown_device') {
        return v5 ? RC.badUserNameOrPassword : CONNACK_V3.badUserNameOrPassword;
      }
      return v5 ? RC.notAuthorized : CONNACK_V3.notAuthorized;
    case 'unavailable':
      return v5 ? RC.serverUnavailable : CONNACK_V3.serverUnavailable;
    case 'busy':
      return v5 ? RC.serverBusy : CONNACK_V3.serverUnavailable;
    case 'protocol_version':
      return v5 ? RC.unsupportedProtocolVersion : CONNACK_V3.unacceptableProtocolVersion;
    case 'client_id':
      return v5 ? RC.clientIdentifierNotValid : CONNACK_V3.identifierRejected;
    case 'bad_auth_method':
      return v5 ? RC.badAuthenticationMethod : CONNACK_V3.notAuthorized;
  }
}

export function subackDenied(version: number): number {
  return version === 5 ? RC.notAuthorized : 0x80;
}

/** 3.1.1 has only the generic failure. */
export function subackInvalid(version: number): number {
  return version === 5 ? RC.topicFilterInvalid : 0x80;
}

export function subackQuotaExceeded(version: number): number {
  return version === 5 ? RC.quotaExceeded : 0x80;
}

/** 3.1.1 cannot say no: acknowledged, not routed, as mosquitto does (closing would turn an ACL mistake into a reconnect storm). */
export function publishDenied(version: number): number {
  return version === 5 ? RC.notAuthorized : RC.success;
}
