/**
 * Retained messages: one per topic, replaced by a newer retained PUBLISH and removed by one with an
 * empty payload [MQTT-3.3.1-5], [MQTT-3.3.1-10], [MQTT-3.3.1-11].
 *
 * @module broker/routing/retained
 */
import { topicMatches } from '../../schemas/topic.js';
import { isExpired, type Message } from './message.js';

export class RetainedStore {
  private readonly messages = new Map<string, Message>();

  constructor(private readonly max: number) {}

  get size(): number {
    return this.messages.size;
  }

  /** Stores, replaces or clears the topic's retained message; false when the store is full. */
  set(message: Message): boolean {
    if (message.payload.length === 0) {
      this.messages.delete(message.topic); // [MQTT-3.3.1-10] [MQTT-3.3.1-11]
      return true;
    }
    if (!this.messages.has(message.topic) && this.messages.size >= this.max) return false;
    this.messages.set(message.topic, message);
    return true;
  }

  /** Retained messages whose topic the filter matches, dropping the expired ones on the way. */
  matching(filter: string, now: number): Message[] {
    if (!filter.includes('+') && !filter.includes('#')) {
      // A filter without wildcards names one topic: no scan.
      const message = this.messages.get(filter);
      if (message === undefined) return [];
      if (!isExpired(message, now)) return [message];
      this.messages.delete(filter);
      return [];
    }
    const out: Message[] = [];
    for (const [topic, message] of this.messages) {
      if (isExpired(message, now)) {
        this.messages.delete(topic);
        continue;
      }
      if (topicMatches(filter, topic)) out.push(message);
    }
    return out;
  }
}
