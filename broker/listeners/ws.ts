// Path `/mqtt`, subprotocol `mqtt` or `mqttv3.1`; `wss://` has no client certificate (as Mosquitto's
// `require_certificate false`).
import { createServer, type IncomingMessage, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream, type WebSocket } from 'ws';
import { bindListener, createAdmission } from './admission.js';
import type { Listener, ListenOptions } from './types.js';

export const WS_PATH = '/mqtt';
const SUBPROTOCOLS = ['mqtt', 'mqttv3.1'];

export interface WsListenOptions extends ListenOptions {
  /** Largest WebSocket message accepted, in bytes (the MQTT max packet size plus its fixed header). */
  maxPayload: number;
  /** The server certificate and key (PEM): given, the listener speaks `wss://`. */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

const upgradeRequired: RequestListener = (_req, res) => {
  res.writeHead(426, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: 'upgrade_required', message: `connect with WebSocket to ${WS_PATH}` }));
};

function pickSubprotocol(request: IncomingMessage): string | undefined {
  const offered = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  return SUBPROTOCOLS.find((p) => offered.includes(p));
}

function refuseUpgrade(socket: Duplex, status: string, error: string, message: string): void {
  const body = JSON.stringify({ error, message });
  socket.end(
    `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** [MQTT-6.0.0-1] A text (non-binary) frame closes the connection before any of it is parsed. */
function toMqttStream(ws: WebSocket): Duplex {
  // Listens before the stream does, so the stream never sees the text frame.
  ws.on('message', (_data, isBinary) => {
    if (isBinary) return;
    stream.destroy();
    ws.terminate();
  });
  const stream = createWebSocketStream(ws);
  return stream;
}

export async function listenWs(options: WsListenOptions): Promise<Listener> {
  const transport = options.tls ? 'wss' : 'ws';
  const admission = createAdmission(options, transport, options.tls !== undefined);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload,
    // [MQTT-6.0.0-4] the chosen subprotocol is echoed back.
    handleProtocols: (protocols) => SUBPROTOCOLS.find((p) => protocols.has(p)) ?? false,
  });
  const server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key, handshakeTimeout: 0 }, upgradeRequired)
    : createServer(upgradeRequired);
  // The gate's deadline bounds handshakes, upgrade and CONNECT; Node leaves a failed handshake to us.
  if (options.tls) {
    server.on('tlsClientError', (err, socket) => {
      options.logger.debug({ err, peer: socket.remoteAddress }, 'TLS handshake failed');
      socket.destroy();
    });
  }
  // On the raw socket, before any TLS handshake: a connect flood must not cost RSA work.
  server.on('connection', (socket) => {
    if (admission.admit(socket)) socket.setNoDelay(true);
  });
  server.on('upgrade', (request, socket, head) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    if (path !== WS_PATH) return refuseUpgrade(socket, '404 Not Found', 'not_found', `MQTT over WebSocket is at ${WS_PATH}`);
    // [MQTT-6.0.0-3] a client that does not offer the MQTT subprotocol is not an MQTT client.
    if (!pickSubprotocol(request)) {
      return refuseUpgrade(socket, '400 Bad Request', 'bad_subprotocol', `offer the WebSocket subprotocol ${SUBPROTOCOLS.join(' or ')}`);
    }
    const ticket = admission.ticketFor(request.socket);
    wss.handleUpgrade(request, socket, head, (ws) => {
      ws.on('error', (err) => options.logger.debug({ err }, 'websocket error'));
      options.handler.handle(toMqttStream(ws), {
        peerAddress: ticket?.peer ?? request.socket.remoteAddress ?? 'unknown',
        transport,
        ...(ticket ? { admission: ticket } : {}),
      });
    });
  });
  const bound = await bindListener(server, options, transport, admission);
  return {
    transport,
    port: bound.port,
    async close() {
      for (const ws of wss.clients) ws.terminate();
      await bound.close();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
