// `ARRA_BROKER_DURABILITY=memory`: nothing is written, every acknowledgement leaves at once, a restart starts empty.
import type { BrokerStore, StoredState } from './store.js';

export class MemoryStore implements BrokerStore {
  readonly durability = 'memory';
  private seq = 0;

  load(): StoredState {
    return { sessions: [], deliveries: [], retained: [], lastCommitAt: null };
  }

  nextSeq(): number {
    return ++this.seq;
  }

  afterCommit(then: (stored: boolean) => void): void {
    then(true);
  }

  saveRetained(): void {}
  deleteRetained(): void {}
  saveSession(): void {}
  deleteSession(): void {}
  addDelivery(): void {}
  setDeliveryState(): void {}
  deleteDelivery(): void {}
  close(): void {}
}
