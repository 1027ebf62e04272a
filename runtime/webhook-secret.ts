import { join } from 'node:path';
import type { BrokerConfig } from '../broker/config.js';
import { WEBHOOK_SECRET_FILE } from '../schemas/data-dir.js';
import { ConfigError } from '../verifier/config.js';
import { readSecretFile } from '../verifier/http/secret-files.js';

/**
 * The standalone broker's secret for the verifier: `ARRA_WEBHOOK_SECRET`, else the file the verifier
 * keeps in the shared data directory, read under the rules the verifier applies to it (at least 16
 * characters, mode 0600). Neither is a configuration error: the broker fails closed.
 */
export function brokerWebhookSecret(config: Pick<BrokerConfig, 'webhookSecret' | 'dataDir'>): string {
  if (config.webhookSecret) return config.webhookSecret;
  const path = join(config.dataDir, WEBHOOK_SECRET_FILE);
  const secret = readSecretFile(path, 'ARRA_WEBHOOK_SECRET');
  if (secret === undefined) throw new ConfigError([`ARRA_WEBHOOK_SECRET: unset, and ${path} does not exist (the verifier writes it on its first start)`]);
  return secret;
}
