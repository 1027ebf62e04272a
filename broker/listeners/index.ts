/**
 * The bundled broker's network listeners (TCP, TLS with client certificates, WebSocket) and the
 * admission gate they share (connection cap, pending caps and connect deadline, per-address and
 * global connect rates).
 *
 * @module broker/listeners
 */
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
