/** pino as the verifier and broker use it: JSON lines, secrets redacted, request URLs without their query. */
import { fstatSync } from 'node:fs';
import { pino, stdSerializers, destination, type DestinationStream, type Level, type Logger, type LoggerOptions as LoggerOptionsOf } from 'pino';

export type { Logger } from 'pino';

const CENSOR = '[redacted]';

/** Top-level paths pino censors; one level down is `redactNestedSecrets` (wildcard paths cost every field of every line). */
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
];

const NESTED_SECRETS: readonly string[] = ['password', 'secret', 'token', 'keyPem', 'adminToken', 'webhookSecret'];

type Fields = Record<string, unknown>;

function censored(value: Fields): Fields {
  let copy: Fields | undefined;
  for (const name of NESTED_SECRETS) {
    if (!Object.hasOwn(value, name)) continue;
    // An Error's message and stack are not enumerable: keep them in the copy.
    copy ??= value instanceof Error ? { ...value, type: value.name, message: value.message, stack: value.stack } : { ...value };
    copy[name] = CENSOR;
  }
  return copy ?? value;
}

/** Censors secret fields one level down; copies only what it censors. */
export function redactNestedSecrets(fields: Fields): Fields {
  let out: Fields | undefined;
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if (typeof value !== 'object' || value === null) continue;
    const replaced = censored(value as Fields);
    if (replaced === value) continue;
    out ??= { ...fields };
    out[key] = replaced;
  }
  return out ?? fields;
}

export const redaction: Pick<LoggerOptionsOf<never>, 'redact' | 'formatters'> = {
  redact: { paths: REDACT_PATHS, censor: CENSOR },
  formatters: { log: redactNestedSecrets },
};

export interface LoggerOptions {
  level: Level | 'silent';
  /** Where lines go (default stdout); tests pass a stream to read the lines back. */
  destination?: DestinationStream;
  /** Prefix lines with their journal priority (default: when stdout is the journal). */
  journal?: boolean;
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

/** pino's levels as syslog priorities. */
const JOURNAL_PRIORITY: Readonly<Record<string, number>> = { 60: 2, 50: 3, 40: 4, 30: 6, 20: 7, 10: 7 };

/** True when fd `fd` is the journal: systemd then sets `JOURNAL_STREAM` to that stream's `device:inode`. */
export function writesToJournal(env: NodeJS.ProcessEnv = process.env, fd = 1): boolean {
  if (!env.JOURNAL_STREAM) return false;
  try {
    const st = fstatSync(fd);
    return env.JOURNAL_STREAM === `${st.dev}:${st.ino}`;
  } catch {
    return false;
  }
}

/** On the journal each line starts with `<N>`: journald files it at priority N (`journalctl -p warning`). */
export function journalPriorityHooks(toJournal = writesToJournal()): Pick<LoggerOptionsOf<never>, 'hooks'> {
  if (!toJournal) return {};
  return { hooks: { streamWrite: (line: string) => `<${JOURNAL_PRIORITY[/^\{"level":(\d+)/.exec(line)?.[1] ?? ''] ?? 6}>${line}` } };
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      ...journalPriorityHooks(options.journal),
      level: options.level,
      base: { service: 'arra-mq-verifier' },
      ...redaction,
      serializers: {
        req: (req: LoggedRequest) => ({ method: req.method, url: pathOnly(req.url), remoteAddress: req.ip }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        err: stdSerializers.err,
      },
    },
    options.destination ?? destination({ fd: 1, sync: false }),
  );
}
