/**
 * The change-listener set both authorizers keep: `onChange` registration and a fan-out in which one
 * throwing listener cannot stop the others from hearing about a disabled device.
 *
 * @module broker/authorizers/listeners
 */
import type { Logger } from 'pino';
import type { Change } from '../../schemas/index.js';

export interface ChangeListeners {
  add(listener: (change: Change) => void): () => void;
  emit(change: Change): void;
  clear(): void;
}

export function createChangeListeners(logger?: Logger): ChangeListeners {
  const listeners = new Set<(change: Change) => void>();
  return {
    add(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(change) {
      for (const listener of listeners) {
        try {
          listener(change);
        } catch (err) {
          logger?.error({ err, change }, 'change listener failed');
        }
      }
    },
    clear: () => listeners.clear(),
  };
}
