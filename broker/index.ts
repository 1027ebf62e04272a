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
