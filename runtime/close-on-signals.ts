/** The first SIGINT or SIGTERM runs `close` and exits 0 (1 if closing failed); a second one ends at once. */

interface ShutdownLogger {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export function closeOnSignals(name: string, logger: ShutdownLogger, close: () => Promise<void>): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, `${name} shutting down`);
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, `${name} did not close cleanly`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
