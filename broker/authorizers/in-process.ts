// In the verifier's process: the core decides, the store announces changes; a fault becomes
// `AuthorizerUnavailableError`.
import type { Logger } from 'pino';
import type { BrokerRefusal, AuthenticateDecision, AuthenticateRequest, Change, RightsDecision, RightsRequest } from '../../schemas/index.js';
import type { Authorizer } from '../authorizer.js';
import { AuthorizerUnavailableError } from '../errors.js';
import { createChangeFanout } from './change-fanout.js';

/** The part of the core's `Decider` the broker uses, declared here: the broker imports nothing from `verifier/`. */
export interface ConnectDecider {
  authenticate(request: AuthenticateRequest): Promise<AuthenticateDecision>;
  rights(request: RightsRequest): RightsDecision;
  recordRefusal?(refusal: BrokerRefusal): void;
}

/** `RegistryStore.onChange` of the verifier's store. */
export type RegistryOnChange = (listener: (change: Change) => void) => () => void;

function undecided(cause: unknown): AuthorizerUnavailableError {
  return new AuthorizerUnavailableError('the verifier core could not decide', { cause });
}

function rethrowUndecided(cause: unknown): never {
  throw undecided(cause);
}

/** `logsAllows`: the decider writes an info line per allowed authentication, as the verifier's does. */
export function createInProcessAuthorizer(
  decider: ConnectDecider,
  registryOnChange: RegistryOnChange,
  logger?: Logger,
  options: { logsAllows?: boolean } = {},
): Authorizer {
  const changes = createChangeFanout(logger);
  const unsubscribe = registryOnChange((change) => changes.emit(change));
  return {
    authenticate(request) {
      try {
        return decider.authenticate(request).catch(rethrowUndecided);
      } catch (cause) {
        return Promise.reject(undecided(cause));
      }
    },
    async rights(request) {
      try {
        return decider.rights(request);
      } catch (cause) {
        throw undecided(cause);
      }
    },
    refused: (refusal) => decider.recordRefusal?.(refusal),
    logsAllows: options.logsAllows ?? false,
    onChange: (callback) => changes.add(callback),
    async close() {
      unsubscribe();
      changes.clear();
    },
  };
}
