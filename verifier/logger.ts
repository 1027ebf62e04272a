/**
 * The verifier's pino logger: JSON lines, never pretty. Secrets must not reach a log line, so the
 * headers that carry them and every field named like a secret are redacted, and request URLs are
 * logged without their query string (NanoMQ sends `password=%P` in the query when configured for GET).
 *
 * @module verifier/logger
 */
import { pino, stdSerializers, destination, type DestinationStream, type Level, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Paths pino replaces with `[redacted]`: credentials in headers and in any logged object. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-arra-secret"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-arra-secret"]',
  'password',
  'secret',
  'token',
  'keyPem',
  '*.password',
  '*.secret',
  '*.token',
  '*.keyPem',
  '*.adminToken',
  '*.webhookSecret',
];

export interface LoggerOptions {
  level: Level | 'silent';
  /** Where lines go (default stdout); tests pass a stream to read the lines back. */
  destination?: DestinationStream;
}

interface LoggedRequest {
  method: string;
  url: string;
  ip?: string;
  routeOptions?: { url?: string };
}

/** Only the path: a query string may carry a password. */
export function pathOnly(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'arra-verifier' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: {
        req: (req: LoggedRequest) => ({ method: req.method, url: pathOnly(req.url), remoteAddress: req.ip }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        err: stdSerializers.err,
      },
    },
    options.destination ?? destination({ fd: 1, sync: false }),
  );
}
