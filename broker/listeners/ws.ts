/**
 * MQTT over WebSocket: path `/mqtt`, subprotocol `mqtt` (or the MQTT 3.1 name `mqttv3.1`), binary
 * frames carried as a byte stream through `createWebSocketStream`.
 *
 * @module broker/listeners/ws
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream, type WebSocket } from 'ws';
import { bind, createAdmission } from './admission.js';
import type { Listener, ListenOptions } from './types.js';

export const WS_PATH = '/mqtt';
const SUBPROTOCOLS = ['mqtt', 'mqttv3.1'];

export interface WsListenOptions extends ListenOptions {
  /** Largest WebSocket message accepted, in bytes (the MQTT max packet size plus its fixed header). */
  maxPayload: number;
}

function pickSubprotocol(request: IncomingMessage): string | undefined {
  const offered = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  return SUBPROTOCOLS.find((p) => offered.includes(p));
}

/** Answers a refused upgrade with a JSON error naming what was wrong, then closes. */
function refuseUpgrade(socket: Duplex, status: string, error: string, message: string): void {
  const body = JSON.stringify({ error, message });
  socket.end(
    `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** [MQTT-6.0.0-1] A text (non-binary) frame closes the connection before any of it is parsed. */
function toMqttStream(ws: WebSocket): Duplex {
  let stream: Duplex | undefined;
  ws.on('message', (_data, isBinary) => {
    if (isBinary) return;
    stream?.destroy();
    ws.terminate();
  });
  stream = createWebSocketStream(ws);
  return stream;
}

export async function listenWs(options: WsListenOptions): Promise<Listener> {
  const admission = createAdmission(options, 'ws');
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload,
    // [MQTT-6.0.0-4] the chosen subprotocol is echoed back.
    handleProtocols: (protocols) => SUBPROTOCOLS.find((p) => protocols.has(p)) ?? false,
  });
  const server = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'upgrade_required', message: `connect with WebSocket to ${WS_PATH}` }));
  });
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
    wss.handleUpgrade(request, socket, head, (ws) => {
      ws.on('error', (err) => options.logger.debug({ err }, 'websocket error'));
      options.handler.handle(toMqttStream(ws), {
        peerAddress: request.socket.remoteAddress ?? 'unknown',
        transport: 'ws',
      });
    });
  });
  const port = await bind(server, options.host, options.port);
  return {
    transport: 'ws',
    port,
    async close() {
      for (const ws of wss.clients) ws.terminate();
      await admission.close(server);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
