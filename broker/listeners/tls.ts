// A verified client certificate's SHA-256 goes to the authorizer as `certFingerprint`.
import { createServer, type TLSSocket } from 'node:tls';
import { bindListener, createAdmission } from './admission.js';
import type { Listener, ListenOptions } from './types.js';

export interface TlsListenOptions extends ListenOptions {
  cert: string | Buffer;
  key: string | Buffer;
  /** CA certificate(s) that sign client certificates (PEM). */
  ca: string | Buffer;
  /** false lets clients in without a certificate signed by `ca` (a failed one is then ignored). */
  rejectUnauthorized?: boolean;
}

/** Only a certificate verified against our CA reaches the authorizer (fail closed). */
export function verifiedFingerprint(socket: TLSSocket): string | undefined {
  if (!socket.authorized) return undefined;
  const fingerprint = socket.getPeerX509Certificate()?.fingerprint256;
  return fingerprint?.replace(/:/g, '').toLowerCase();
}

export async function listenTls(options: TlsListenOptions): Promise<Listener> {
  const admission = createAdmission(options, 'tls', true);
  const server = createServer({
    cert: options.cert,
    key: options.key,
    ca: options.ca,
    requestCert: true,
    rejectUnauthorized: options.rejectUnauthorized ?? true,
    // The gate's deadline bounds handshake and CONNECT together; Node's would only report it.
    handshakeTimeout: 0,
  });
  // The gate runs on the raw socket, before the handshake: a connect flood must not cost RSA work.
  server.on('connection', (socket) => admission.admit(socket));
  // With a listener for this event Node no longer destroys the socket: we must.
  server.on('tlsClientError', (err, socket) => {
    options.logger.debug({ err, peer: socket.remoteAddress }, 'TLS handshake failed');
    socket.destroy();
  });
  server.on('secureConnection', (socket) => {
    admission.track(socket);
    socket.setNoDelay(true);
    const certFingerprint = verifiedFingerprint(socket);
    const ticket = admission.ticketFor(socket);
    options.handler.handle(socket, {
      peerAddress: ticket?.peer ?? socket.remoteAddress ?? 'unknown',
      transport: 'tls',
      ...(certFingerprint ? { certFingerprint } : {}),
      ...(ticket ? { admission: ticket } : {}),
    });
  });
  const { port, close } = await bindListener(server, options, 'tls', admission);
  return { transport: 'tls', port, close };
}
