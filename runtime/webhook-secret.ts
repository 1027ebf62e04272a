import { join } from 'node:path';
import type { BrokerConfig } from '../broker/config.js';
import { WEBHOOK_SECRET_FILE } from '../schemas/data-dir.js';
import { ConfigError } from '../verifier/config.js';
import { readSecretFile } from '../verifier/http/secret-files.js';

/** `ARRA_WEBHOOK_SECRET`, else the verifier's file under its rules; neither is a config error: the broker fails closed. */
export function brokerWebhookSecret(config: Pick<BrokerConfig, 'webhookSecret' | 'dataDir'>): string {
  if (config.webhookSecret) return config.webhookSecret;
  const path = join(config.dataDir, WEBHOOK_SECRET_FILE);
  const secret = readSecretFile(path, 'ARRA_WEBHOOK_SECRET');
  if (secret === undefined) throw new ConfigError([`ARRA_WEBHOOK_SECRET: unset, and ${path} does not exist (the verifier writes it on its first start)`]);
  return secret;
}
