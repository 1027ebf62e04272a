// Registry changes to every `onChange` callback; one that throws cannot silence the others.
import type { Logger } from 'pino';
import type { Change } from '../../schemas/index.js';

export interface ChangeFanout {
  add(onChange: (change: Change) => void): () => void;
  emit(change: Change): void;
  clear(): void;
}

export function createChangeFanout(logger?: Logger): ChangeFanout {
  const callbacks = new Set<(change: Change) => void>();
  return {
    add(onChange) {
      callbacks.add(onChange);
      return () => callbacks.delete(onChange);
    },
    emit(change) {
      for (const onChange of callbacks) {
        try {
          onChange(change);
        } catch (err) {
          logger?.error({ err, change }, 'change callback failed');
        }
      }
    },
    clear: () => callbacks.clear(),
  };
}
