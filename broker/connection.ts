// One client connection over a socket; each ending is reported to the broker once (`onClosed`).
import type { Duplex } from 'node:stream';
import type { Packet } from 'mqtt-packet';
import type { AuthenticateAllow, AuthenticateRequest, MqttProtocol } from '../schemas/index.js';
import { Framer, connectProtocol, encode, parseFrame, parsePublish, type ProtocolVersion } from './codec.js';
import { MalformedPacketError, PacketTooLargeError, ProtocolError } from './errors.js';
import { dispatch } from './handlers/index.js';
import type { ConnectionInfo } from './listeners/types.js';
import { publishFrame, type OutgoingAliases } from './outgoing.js';
import { RC, connackRefusal } from './reason-codes.js';
import type { Message } from './routing/message.js';
import type { BrokerState, Connection, ConnectionState, ConnectWill, Session } from './state.js';
import { Writer } from './writer.js';

const CONNECT_TYPE = 1;
const PUBLISH_TYPE = 3;
/** Protocol name by level: 3 is MQTT 3.1 ('MQIsdp'), 4 is 3.1.1, 5 is 5.0 [MQTT-3.1.2-1]. */
const PROTOCOL_NAMES: Record<number, string> = { 3: 'MQIsdp', 4: 'MQTT', 5: 'MQTT' };
const PROTOCOLS: Record<ProtocolVersion, MqttProtocol> = { 3: 'mqtt31', 4: 'mqtt311', 5: 'mqtt5' };

/** The stream carries its connection, so shared listeners replace four closures per socket. */
const CONNECTION = Symbol('arra.connection');
type OwnedStream = Duplex & { [CONNECTION]: SocketConnection };

function onStreamData(this: OwnedStream, chunk: Buffer): void {
  this[CONNECTION].onData(chunk);
}

function onStreamEnd(this: OwnedStream): void {
  this[CONNECTION].close();
}

function onStreamClose(this: OwnedStream): void {
  const connection = this[CONNECTION];
  connection.core.lingering.delete(this);
  connection.close();
}

/** Fields are documented on `Connection` (`state.ts`). */
export class SocketConnection implements Connection {
  state: ConnectionState = 'new';
  version: ProtocolVersion = 4;
  clientId = '';
  session: Session | null = null;
  keepAliveMs = 0;
  /** One timestamp for the CONNECT deadline and keep alive: each such field is a boxed double per idle connection. */
  lastSeen = Date.now();
  readonly openedAt = Date.now();
  auth: AuthenticateAllow | null = null;
  username: string | undefined = undefined;
  password: string | undefined = undefined;
  credentialExpiresAt = 0;
  will: ConnectWill | null = null;
  aliases: Map<number, string> | null = null;
  clientMaxPacketSize = 0;
  clientReceiveMaximum = 65535;
  outgoingAliases: OutgoingAliases | null = null;
  aclCache: Map<string, number> | null = null;
  throttled = false;
  readonly writer: Writer;
  private readonly framer: Framer;
  private pending: Buffer[] | null = null;

  constructor(
    readonly core: BrokerState,
    readonly stream: Duplex,
    readonly info: ConnectionInfo,
    private readonly onClosed: (connection: Connection) => void,
  ) {
    this.framer = new Framer(core.limits.maxPacketSize);
    this.writer = new Writer(stream, core.counters);
    const socket = stream as Duplex & { setNoDelay?: (noDelay: boolean) => void };
    if (typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
    (stream as OwnedStream)[CONNECTION] = this;
    stream.on('data', onStreamData);
    stream.on('error', onStreamEnd);
    stream.on('close', onStreamClose);
    stream.on('end', onStreamEnd);
  }

  /** The request is rebuilt from the connection rather than stored: only the secrets are kept. */
  authenticateRequest(): AuthenticateRequest {
    return {
      clientId: this.clientId,
      username: this.username,
      password: this.password,
      certFingerprint: this.info.certFingerprint,
      peerAddress: this.info.peerAddress,
      protocol: PROTOCOLS[this.version],
    };
  }

  /** Too large closes unsent [MQTT-3.1.2-24]: we add nothing optional [MQTT-3.2.2-19] [MQTT-3.9.2-1], so it is all required. */
  send(packet: Packet): void {
    if (this.state === 'closed') return;
    const frame = encode(packet, this.version);
    if (this.clientMaxPacketSize > 0 && frame.length > this.clientMaxPacketSize) {
      this.core.logger.info(
        { clientId: this.clientId, packet: packet.cmd, size: frame.length, limit: this.clientMaxPacketSize, reason: 'client_maximum_packet_size' },
        'closing: packet exceeds the client maximum packet size',
      );
      return this.close();
    }
    this.writer.write(frame);
  }

  /** [MQTT-3.1.2-25]: too large for the client is dropped and counted. */
  sendPublish(message: Message, qos: 0 | 1 | 2, retain: boolean, packetId: number, dup: boolean, subIds: number[] | undefined): boolean {
    if (this.state === 'closed') return false;
    const frame = publishFrame(this.version, { message, qos, retain, packetId, dup, subIds }, this.outgoingAliases);
    if (this.clientMaxPacketSize > 0 && frame.length > this.clientMaxPacketSize) {
      this.outgoingAliases?.undoLast();
      this.core.counters.droppedMessages++;
      return false;
    }
    this.core.counters.messagesOut++;
    this.writer.write(frame);
    return true;
  }

  /** [MQTT-4.13.2-1]; 3.1.1 has no server DISCONNECT, so the socket just closes. */
  disconnect(reasonCode: number, why: string): void {
    if (this.state === 'closed') return;
    this.core.logger.info({ clientId: this.clientId, deviceId: this.auth?.deviceId ?? null, reasonCode, reason: why }, 'disconnecting client');
    if (this.version === 5 && this.state === 'connected') this.send({ cmd: 'disconnect', reasonCode });
    this.close();
  }

  revoke(why: string): void {
    this.will = null;
    this.disconnect(RC.notAuthorized, why);
  }

  /**
   * Closes the socket (after flushing) and reports the end once. A socket may still carry what the
   * client sent after our last read, and closing it unread would reset the connection, so it is
   * half-closed and left to the client (destroyed after a second). After the client's DISCONNECT
   * nothing more can come: a plain TCP socket whose writes all reached the kernel closes at once, as
   * Mosquitto does (the kernel still sends them, then FIN), sparing the half-close and its wait.
   */
  close(clientDisconnected = false): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.pending = null;
    this.writer.flush();
    try {
      this.onClosed(this);
    } catch (err) {
      // Runs from socket events: a bug in the will or session rules must not crash the process.
      this.core.logger.error({ clientId: this.clientId, err }, 'end-of-connection handling failed');
    }
    if (this.stream.destroyed) return;
    if (clientDisconnected && this.info.transport === 'tcp' && this.stream.writableLength === 0) {
      this.stream.destroy();
      return;
    }
    this.stream.end();
    this.core.lingering.add(this.stream);
  }

  pauseReading(): void {
    if (this.throttled || this.state === 'closed') return;
    this.throttled = true;
    this.stream.pause();
  }

  /** Starts with the frames already buffered. */
  resumeReading(): void {
    if (!this.throttled || this.state === 'closed') return;
    this.throttled = false;
    this.lastSeen = Date.now(); // the pause was ours; it must not count against its keep alive
    this.stream.resume();
    this.onData(Buffer.alloc(0));
  }

  holdFrames(): void {
    this.pending ??= [];
  }

  releaseFrames(): void {
    const held = this.pending;
    this.pending = null;
    if (held === null || held.length === 0) return;
    if (!this.throttled) this.stream.resume();
    for (const frame of held) if (!this.onFrame(frame)) return;
  }

  /** @internal the stream's 'data' listener */
  onData(chunk: Buffer): void {
    this.core.counters.bytesIn += chunk.length;
    if (this.state !== 'new') this.lastSeen = Date.now(); // before CONNECT it is the open time
    try {
      this.framer.push(chunk, (frame) => this.onFrame(frame));
    } catch (error) {
      this.fail(error);
    }
  }

  private onFrame(frame: Buffer): boolean {
    if (this.state === 'closed') return false;
    if (this.pending !== null) {
      // Paused at the first frame held, not at CONNECT: a client that waits for its CONNACK costs no pause and resume.
      if (this.pending.push(frame) === 1) this.stream.pause(); // bounds what a client can pile up before it is authenticated
      return true;
    }
    try {
      const type = frame[0]! >> 4;
      if (type === CONNECT_TYPE && this.state === 'new' && !this.acceptsProtocol(frame)) return false;
      dispatch(this, type === PUBLISH_TYPE ? parsePublish(frame, this.version) : parseFrame(frame, this.version));
    } catch (error) {
      this.fail(error);
      return false;
    }
    return (this.state as ConnectionState) !== 'closed' && !this.throttled; // a handler may have closed or throttled it
  }

  /** Turns a fault into the right disconnect: malformed 0x81, too large 0x95, protocol 0x82 or its own code. */
  fail(error: unknown): void {
    if (error instanceof ProtocolError) return this.disconnect(error.reasonCode, error.message);
    if (error instanceof PacketTooLargeError) return this.disconnect(RC.packetTooLarge, error.message);
    if (error instanceof MalformedPacketError) return this.disconnect(RC.malformedPacket, error.message);
    this.core.logger.error({ clientId: this.clientId, err: error }, 'unexpected error handling a packet');
    this.disconnect(RC.unspecifiedError, 'internal error');
  }

  /** Unknown level: CONNACK 0x01 in 3.1.1 framing, the oldest form [MQTT-3.1.2-2]; unknown name: close [MQTT-3.1.2-1]. */
  private acceptsProtocol(frame: Buffer): boolean {
    const protocol = connectProtocol(frame);
    if (protocol === null) throw new MalformedPacketError('truncated CONNECT');
    if (protocol.name !== 'MQTT' && protocol.name !== 'MQIsdp') throw new MalformedPacketError(`protocol name ${protocol.name}`);
    if (PROTOCOL_NAMES[protocol.level] === protocol.name) return true;
    this.core.counters.refusedConnects++;
    this.core.logger.warn({ peer: this.info.peerAddress, level: protocol.level, reason: 'unsupported_protocol_version' }, 'connect refused');
    this.send({ cmd: 'connack', sessionPresent: false, returnCode: connackRefusal({ kind: 'protocol_version' }, 4) });
    this.close();
    return false;
  }

}
