/**
 * The bundled MQTT 3.1.1 + 5.0 broker's public face. Listeners (TCP, TLS, WebSocket) hand it
 * connections; it knows authentication and authorization only through the `Authorizer` port.
 *
 * @module broker
 */
export { createBroker, type Broker, type BrokerOptions, type BrokerStats, type BrokerLogger } from './broker.js';
export { defaultLimits, resolveLimits, type BrokerLimits } from './limits.js';
export type { ConnectionInfo } from './listeners/types.js';
export type { Authorizer } from './authorizer.js';
export {
  AuthorizerUnavailableError,
  BrokerConfigError,
  BrokerError,
  ConnectRefusedError,
  MalformedPacketError,
  PacketTooLargeError,
  ProtocolError,
  type BrokerErrorCode,
} from './errors.js';
export { ALLOW_ALL_ACL, allow, createStaticAuthorizer, deny, type StaticAuthorizer, type StaticDecision } from './authorizers/static.js';
