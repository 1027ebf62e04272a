/**
 * Sends request bytes exactly as given over a raw TCP socket and reads the raw response: how the
 * contract tests replay captured broker requests without any HTTP client normalising them.
 *
 * @module broker-adapters/test/raw-http
 */
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Writes `request` and reads one response (Content-Length framed, as Fastify answers), then closes.
 * The socket is not half-closed first: Node's HTTP server drops a request whose client sent FIN.
 */
export function sendRaw(port: number, request: Buffer, timeoutMs = 5000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = Buffer.alloc(0);
    const finish = (error: Error | null, response?: RawResponse) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(response!);
    };
    const timer = setTimeout(() => finish(new Error(`no complete response within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      const response = completeResponse(received.toString('utf8'));
      if (response) finish(null, response);
    });
    socket.on('error', (error) => finish(error));
    socket.on('close', () => finish(new Error(`connection closed after ${JSON.stringify(received.toString('utf8').slice(0, 200))}`)));
    socket.write(request);
  });
}

function completeResponse(text: string): RawResponse | null {
  if (!text.includes('\r\n\r\n')) return null;
  const response = parseResponse(text);
  const length = Number(response.headers['content-length'] ?? NaN);
  return Buffer.byteLength(response.body) >= length ? response : null;
}

function parseResponse(text: string): RawResponse {
  const split = text.indexOf('\r\n\r\n');
  if (split < 0) throw new Error(`incomplete response: ${JSON.stringify(text.slice(0, 200))}`);
  const [statusLine = '', ...headerLines] = text.slice(0, split).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status, headers, body: text.slice(split + 4) };
}
