/**
 * What every group of admin use cases is built from.
 *
 * @module verifier/admin/context
 */
import type { Clock, Logger } from '../core/index.js';
import type { Store } from '../store/index.js';

export interface AdminContext {
  store: Store;
  clock: Clock;
  logger?: Logger | undefined;
}
