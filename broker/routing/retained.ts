/**
 * Retained messages, one per topic [MQTT-3.3.1-5] [MQTT-3.3.1-10] [MQTT-3.3.1-11], in a trie so a
 * SUBSCRIBE costs the part its filter reaches. Bounded in count and bytes, overall and per client id:
 * beyond a bound a message is routed but not retained.
 *
 * @module broker/routing/retained
 */
import { isExpired, messageBytes, type Message } from './message.js';

export interface RetainedLimits {
  /** Retained messages kept broker-wide. */
  maxRetained: number;
  /** Bytes of retained messages broker-wide (payload, topic and a fixed overhead each). */
  maxRetainedBytes: number;
  /** Bytes of retained messages one client (by client id) may hold. */
  maxRetainedBytesPerClient: number;
}

interface Node {
  children?: Map<string, Node>;
  message?: Message;
}

export class RetainedStore {
  private readonly root: Node = {};
  private count = 0;
  private totalBytes = 0;
  private readonly bytesByClient = new Map<string, number>();

  constructor(private readonly limits: RetainedLimits) {}

  get size(): number {
    return this.count;
  }

  /** Bytes held, as counted against `maxRetainedBytes`. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** Stores, replaces or clears the topic's retained message; false when a bound refuses it. */
  set(message: Message): boolean {
    const levels = message.topic.split('/');
    if (message.payload.length === 0) {
      this.remove(levels); // [MQTT-3.3.1-10] [MQTT-3.3.1-11]
      return true;
    }
    const existing = this.find(levels)?.message;
    const freed = existing === undefined ? 0 : messageBytes(existing);
    const cost = messageBytes(message);
    if (existing === undefined && this.count >= this.limits.maxRetained) return false;
    if (this.totalBytes - freed + cost > this.limits.maxRetainedBytes) return false;
    const owner = message.origin;
    if (owner !== undefined) {
      const freedByOwner = existing?.origin === owner ? freed : 0;
      if ((this.bytesByClient.get(owner) ?? 0) - freedByOwner + cost > this.limits.maxRetainedBytesPerClient) return false;
    }
    let node = this.root;
    for (const level of levels) {
      let child = node.children?.get(level);
      if (child === undefined) (node.children ??= new Map()).set(level, (child = {}));
      node = child;
    }
    if (existing !== undefined) this.forget(existing);
    node.message = message;
    this.count++;
    this.account(message, cost);
    return true;
  }

  /** Drops expired ones on the way; [MQTT-4.7.2-1] no `$` topics for first-level wildcards, [MQTT-4.7.1-2] `a/#` matches `a`. */
  matching(filter: string, now: number): Message[] {
    const out: Message[] = [];
    const expired: Message[] = [];
    this.walk(this.root, filter.split('/'), 0, (message) => (isExpired(message, now) ? expired : out).push(message));
    for (const message of expired) this.remove(message.topic.split('/'));
    return out;
  }

  private walk(node: Node, levels: string[], depth: number, found: (message: Message) => void): void {
    if (depth === levels.length) {
      if (node.message !== undefined) found(node.message);
      return;
    }
    const level = levels[depth]!;
    if (level === '#') {
      if (node.message !== undefined) found(node.message); // `a/#` matches `a` (the root holds none)
      this.everyBelow(node, depth === 0, found);
      return;
    }
    const children = node.children;
    if (children === undefined) return;
    if (level !== '+') {
      const child = children.get(level);
      if (child !== undefined) this.walk(child, levels, depth + 1, found);
      return;
    }
    for (const [name, child] of children) {
      if (depth === 0 && name.startsWith('$')) continue;
      this.walk(child, levels, depth + 1, found);
    }
  }

  /** Every message strictly below `node` (iterative: a deep tree must not exhaust the stack). */
  private everyBelow(node: Node, skipDollar: boolean, found: (message: Message) => void): void {
    const stack: Node[] = [];
    for (const [name, child] of node.children ?? []) if (!(skipDollar && name.startsWith('$'))) stack.push(child);
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (next.message !== undefined) found(next.message);
      if (next.children !== undefined) for (const child of next.children.values()) stack.push(child);
    }
  }

  private find(levels: string[]): Node | undefined {
    let node: Node | undefined = this.root;
    for (const level of levels) {
      node = node.children?.get(level);
      if (node === undefined) return undefined;
    }
    return node;
  }

  /** Removes the topic's message and the nodes that held nothing else, so cleared topics cost nothing. */
  private remove(levels: string[]): void {
    const path: Node[] = [this.root];
    for (const level of levels) {
      const child = path[path.length - 1]!.children?.get(level);
      if (child === undefined) return;
      path.push(child);
    }
    const leaf = path[path.length - 1]!;
    if (leaf.message === undefined) return;
    this.forget(leaf.message);
    leaf.message = undefined;
    for (let i = levels.length; i > 0; i--) {
      const node = path[i]!;
      if (node.message !== undefined || (node.children?.size ?? 0) > 0) return;
      path[i - 1]!.children!.delete(levels[i - 1]!);
    }
  }

  private forget(message: Message): void {
    this.count--;
    this.account(message, -messageBytes(message));
  }

  private account(message: Message, delta: number): void {
    this.totalBytes += delta;
    const owner = message.origin;
    if (owner === undefined) return;
    const bytes = (this.bytesByClient.get(owner) ?? 0) + delta;
    if (bytes > 0) this.bytesByClient.set(owner, bytes);
    else this.bytesByClient.delete(owner);
  }
}
