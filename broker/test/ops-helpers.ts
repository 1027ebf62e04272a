/**
 * Shared pieces of the operations tests: a broker started from a parsed config on ephemeral ports
 * (closed in `t.after`), and a recording authorizer whose decisions the test sets.
 *
 * @module broker/test/ops-helpers
 */
import type { TestContext } from 'node:test';
import type { AuthenticateDecision, AuthenticateRequest, Change } from '../../schemas/index.js';
import type { Authorizer } from '../authorizer.js';
import { BrokerConfig } from '../config.js';
import { startBroker, type RunningBroker, type StartBrokerOptions } from '../start.js';
import { silent } from './listeners-helpers.js';
import { allowAll } from './authorizer-stub-verifier.js';
import { rightsOf } from '../authorizers/static.js';

export function testConfig(overrides: Partial<BrokerConfig> = {}): BrokerConfig {
  return BrokerConfig.parse({ mqttPort: 0, sysInterval: 0, durability: 'memory', ...overrides });
}

export async function runBroker(t: TestContext, authorizer: Authorizer, overrides: Partial<BrokerConfig> = {}, options: Partial<StartBrokerOptions> = {}): Promise<RunningBroker> {
  const running = await startBroker(testConfig(overrides), authorizer, { logger: silent, ...options });
  t.after(() => running.close());
  return running;
}

/** An authorizer that records every request and answers with `decide` (allow everything by default). */
export function recordingAuthorizer(decide: (r: AuthenticateRequest) => AuthenticateDecision = allowAll) {
  const requests: AuthenticateRequest[] = [];
  const listeners = new Set<(c: Change) => void>();
  const authorizer: Authorizer & { requests: AuthenticateRequest[]; decide: typeof decide; emit(c: Change): void } = {
    requests,
    decide,
    async authenticate(request) {
      requests.push(request);
      return authorizer.decide(request);
    },
    rights: async (request) => rightsOf(authorizer.decide({ clientId: request.clientId, username: request.username })),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit: (change) => listeners.forEach((l) => l(change)),
    async close() {},
  };
  return authorizer;
}
