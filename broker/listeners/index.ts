// The network listeners (TCP, TLS, WebSocket) and the admission gate they share.
export { listenTcp } from './tcp.js';
export { listenTls, verifiedFingerprint, type TlsListenOptions } from './tls.js';
export { listenWs, WS_PATH, type WsListenOptions } from './ws.js';
export { createGate, type ExpulsionReason, type Gate, type GateLimits, type RefusalReason, type Ticket } from './gate.js';
export type {
  ConnectionHandler,
  ConnectionInfo,
  Listener,
  ListenerEvents,
  ListenOptions,
  Transport,
} from './types.js';
