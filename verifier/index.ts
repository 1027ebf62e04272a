/** The verifier's public face: start the service, or build its app around parts you own. */
export { assembleVerifier, startVerifier, type AssembledVerifier, type RunningVerifier, type StartOptions } from './http/server.js';
export { buildApp, type AppDeps } from './http/app.js';
export { createMetrics, type Metrics } from './http/metrics.js';
export { ChangeFeed } from './http/change-feed.js';
export type { ErrorBody } from './http/errors.js';
export { ServiceUnavailableError, VerifierError, type FieldError, type VerifierErrorCode } from './core/index.js';
export { resolveSecrets } from './http/secret-files.js';
export { ADMIN_TOKEN_FILE, WEBHOOK_SECRET_FILE } from '../schemas/data-dir.js';
export { loadConfig, verifierConfigRows, ConfigError, type Config, type VerifierConfig } from './config.js';
export { Secret } from './core/index.js';
export { createLogger, type Logger, type LoggerOptions } from '../logging/logger.js';
