import type { Clock, Logger } from '../core/index.js';
import type { Store } from '../store/index.js';

export interface AdminContext {
  store: Store;
  clock: Clock;
  logger?: Logger | undefined;
}
