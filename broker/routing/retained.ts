// One message per topic [MQTT-3.3.1-5] [MQTT-3.3.1-10] [MQTT-3.3.1-11], in a trie; beyond a count or byte
// bound a message is routed but not retained. Expiring messages sit in a heap, so expiry needs no scan.
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
  /** Its place in the expiry heap while its message has an expiry. */
  heapIndex?: number;
}

export class RetainedStore {
  private readonly root: Node = {};
  private count = 0;
  private totalBytes = 0;
  private readonly bytesByClient = new Map<string, number>();
  private readonly expiring = new ExpiryHeap();

  /** @param expired told of each message dropped because it expired, so the copy on disk goes too. */
  constructor(
    private readonly limits: RetainedLimits,
    private readonly expired: (message: Message) => void = () => {},
  ) {}

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
    const owner = ownerOf(message);
    if (owner !== undefined) {
      const freedByOwner = existing !== undefined && ownerOf(existing) === owner ? freed : 0;
      if ((this.bytesByClient.get(owner) ?? 0) - freedByOwner + cost > this.limits.maxRetainedBytesPerClient) return false;
    }
    let node = this.root;
    for (const level of levels) {
      let child = node.children?.get(level);
      if (child === undefined) (node.children ??= new Map()).set(level, (child = {}));
      node = child;
    }
    if (existing !== undefined) this.forget(node);
    node.message = message;
    if (message.expiresAt !== undefined) this.expiring.push(node);
    this.count++;
    this.account(message, cost);
    return true;
  }

  /** Drops up to `max` messages whose expiry has passed [MQTT-3.3.2-5]; how many it dropped. */
  sweepExpired(now: number, max: number): number {
    let dropped = 0;
    for (let top = this.expiring.peek(); top !== undefined && dropped < max && isExpired(top.message!, now); top = this.expiring.peek()) {
      this.dropExpired(top.message!);
      dropped++;
    }
    return dropped;
  }

  /** Drops expired ones on the way; [MQTT-4.7.2-1] no `$` topics for first-level wildcards, [MQTT-4.7.1-2] `a/#` matches `a`. */
  matching(filter: string, now: number): Message[] {
    const out: Message[] = [];
    const expired: Message[] = [];
    this.walk(this.root, filter.split('/'), 0, (message) => (isExpired(message, now) ? expired : out).push(message));
    for (const message of expired) this.dropExpired(message);
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

  private dropExpired(message: Message): void {
    this.remove(message.topic.split('/'));
    this.expired(message);
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
    this.forget(leaf);
    leaf.message = undefined;
    for (let i = levels.length; i > 0; i--) {
      const node = path[i]!;
      if (node.message !== undefined || (node.children?.size ?? 0) > 0) return;
      path[i - 1]!.children!.delete(levels[i - 1]!);
    }
  }

  private forget(node: Node): void {
    const message = node.message!;
    if (node.heapIndex !== undefined) this.expiring.remove(node);
    this.count--;
    this.account(message, -messageBytes(message));
  }

  private account(message: Message, delta: number): void {
    this.totalBytes += delta;
    const owner = ownerOf(message);
    if (owner === undefined) return;
    const bytes = (this.bytesByClient.get(owner) ?? 0) + delta;
    if (bytes > 0) this.bytesByClient.set(owner, bytes);
    else this.bytesByClient.delete(owner);
  }
}

function ownerOf(message: Message): string | undefined {
  return message.owner ?? message.origin;
}

/** A binary min-heap of nodes by their message's expiry; each node knows its index, so removal is O(log n). */
class ExpiryHeap {
  private readonly nodes: Node[] = [];

  peek(): Node | undefined {
    return this.nodes[0];
  }

  push(node: Node): void {
    node.heapIndex = this.nodes.length;
    this.nodes.push(node);
    this.up(node.heapIndex);
  }

  remove(node: Node): void {
    const index = node.heapIndex!;
    node.heapIndex = undefined;
    const last = this.nodes.pop()!;
    if (index === this.nodes.length) return;
    this.nodes[index] = last;
    last.heapIndex = index;
    this.down(index);
    this.up(last.heapIndex);
  }

  private up(index: number): void {
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (expiryOf(this.nodes[parent]!) <= expiryOf(this.nodes[index]!)) return;
      this.swap(index, parent);
      index = parent;
    }
  }

  private down(index: number): void {
    for (;;) {
      const left = index * 2 + 1;
      let least = index;
      if (left < this.nodes.length && expiryOf(this.nodes[left]!) < expiryOf(this.nodes[least]!)) least = left;
      if (left + 1 < this.nodes.length && expiryOf(this.nodes[left + 1]!) < expiryOf(this.nodes[least]!)) least = left + 1;
      if (least === index) return;
      this.swap(index, least);
      index = least;
    }
  }

  private swap(a: number, b: number): void {
    const nodes = this.nodes;
    [nodes[a], nodes[b]] = [nodes[b]!, nodes[a]!];
    nodes[a]!.heapIndex = a;
    nodes[b]!.heapIndex = b;
  }
}

function expiryOf(node: Node): number {
  return node.message!.expiresAt!;
}
