/**
 * The Authorizer for a broker running in the verifier's process: CONNECT decisions come straight
 * from the decision core, registry changes straight from the store. A fault in the core (store gone,
 * bug) becomes `AuthorizerUnavailableError`, which the broker answers with "server unavailable".
 *
 * @module broker/authorizers/in-process
 */
import type { Logger } from 'pino';
import type { AuthenticateDecision, AuthenticateRequest, Change, RightsDecision, RightsRequest } from '../../schemas/index.js';
import type { Authorizer } from '../authorizer.js';
import { AuthorizerUnavailableError } from '../errors.js';
import { createChangeFanout } from './change-fanout.js';

/**
 * The part of the verifier core's `Decider` the broker uses, declared here so the broker imports
 * nothing from `verifier/` (only the composition root wires the two together).
 */
export interface ConnectDecider {
  authenticate(request: AuthenticateRequest): Promise<AuthenticateDecision>;
  rights(request: RightsRequest): RightsDecision;
}

/** `RegistryStore.onChange` of the verifier's store. */
export type RegistryOnChange = (listener: (change: Change) => void) => () => void;

export function createInProcessAuthorizer(
  decider: ConnectDecider,
  registryOnChange: RegistryOnChange,
  logger?: Logger,
): Authorizer {
  const changes = createChangeFanout(logger);
  const unsubscribe = registryOnChange((change) => changes.emit(change));
  return {
    async authenticate(request) {
      try {
        return await decider.authenticate(request);
      } catch (cause) {
        throw new AuthorizerUnavailableError('the verifier core could not decide', { cause });
      }
    },
    async rights(request) {
      try {
        return decider.rights(request);
      } catch (cause) {
        throw new AuthorizerUnavailableError('the verifier core could not decide', { cause });
      }
    },
    onChange: (callback) => changes.add(callback),
    async close() {
      unsubscribe();
      changes.clear();
    },
  };
}
