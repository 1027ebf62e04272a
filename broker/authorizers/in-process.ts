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
    refused: (refusal) => decider.recordRefusal?.(refusal),
    onChange: (callback) => changes.add(callback),
    async close() {
      unsubscribe();
      changes.clear();
    },
  };
}
