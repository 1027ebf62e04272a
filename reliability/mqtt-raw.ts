/**
 * Raw MQTT over a plain socket (mqtt-packet to encode and parse), for load and attacks where mqtt.js
 * would be the bottleneck or would refuse to send what we want to send.
 *
 * @module reliability/mqtt-raw
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';

export interface ConnectOptions {
  clientId: string;
  username?: string;
  password?: string;
  /** 4 = MQTT 3.1.1 (default), 5 = MQTT 5.0. */
  version?: 4 | 5;
  timeoutMs?: number;
}

/** The CONNACK code (3.1.1 return code or 5.0 reason code), or how the attempt ended without one. */
export type ConnectOutcome = number | 'closed' | 'timeout' | 'error';

/** Opens a socket to 127.0.0.1:port and resolves once it is connected. */
export function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Sends one CONNECT and resolves with what came back; the socket is closed afterwards. */
export async function connectOnce(port: number, options: ConnectOptions): Promise<ConnectOutcome> {
  const version = options.version ?? 4;
  let socket: Socket;
  try {
    socket = await openSocket(port);
  } catch {
    return 'error';
  }
  const frame = mqttPacket.generate(
    {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: version,
      clientId: options.clientId,
      clean: true,
      keepalive: 60,
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined ? { password: Buffer.from(options.password) } : {}),
    },
    { protocolVersion: version },
  );
  return new Promise<ConnectOutcome>((resolve) => {
    const parser = mqttPacket.parser({ protocolVersion: version });
    const finish = (outcome: ConnectOutcome) => {
      clearTimeout(timer);
      socket.removeAllListeners('data');
      socket.on('error', () => {});
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish('timeout'), options.timeoutMs ?? 15_000);
    parser.on('packet', (packet: Packet) => {
      if (packet.cmd === 'connack') finish(version === 5 ? (packet.reasonCode ?? 0) : (packet.returnCode ?? 0));
    });
    parser.on('error', () => finish('error'));
    socket.on('data', (chunk) => parser.parse(chunk));
    socket.on('close', () => finish('closed'));
    socket.on('error', () => finish('error'));
    socket.write(frame);
  });
}
