/**
 * A request's child logger made at its first line. Broker-facing routes log only a refusal or a fault,
 * and pino builds a child (bindings serialised, level methods rebuilt) for every request otherwise:
 * about a microsecond each, at the rates brokers ask.
 */
import type { BaseLogger, Bindings, ChildLoggerOptions } from 'pino';

/** Fastify's `FastifyBaseLogger`, in pino's terms (this part knows no HTTP framework). */
export interface RequestLogger extends Pick<BaseLogger, 'level' | 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'> {
  child(bindings: Bindings, options?: ChildLoggerOptions): RequestLogger;
}

class LazyChild implements RequestLogger {
  #made: RequestLogger | undefined;

  constructor(
    private readonly parent: RequestLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private get made(): RequestLogger {
    return (this.#made ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.#made?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.made.level = level;
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): RequestLogger {
    return this.made.child(bindings, options);
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }

  error(...args: unknown[]): void {
    this.write('error', args);
  }

  warn(...args: unknown[]): void {
    this.write('warn', args);
  }

  info(...args: unknown[]): void {
    this.write('info', args);
  }

  debug(...args: unknown[]): void {
    this.write('debug', args);
  }

  trace(...args: unknown[]): void {
    this.write('trace', args);
  }

  silent(): void {}

  private write(level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace', args: unknown[]): void {
    (this.made[level] as (...line: unknown[]) => void).apply(this.made, args);
  }
}

/** For `setChildLoggerFactory`: `parent` replaces the logger Fastify passes (an adapter's own logger). */
export function lazyChildLoggers(parent?: RequestLogger) {
  return (logger: RequestLogger, bindings: Bindings, options: ChildLoggerOptions): RequestLogger =>
    new LazyChild(parent ?? logger, bindings, options);
}
