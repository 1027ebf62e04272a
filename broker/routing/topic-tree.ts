// Matching costs the topic's depth, not the number of subscriptions; share groups hang off their filter's node.
import { levelCount } from '../../rules/index.js';

export interface TreeEntry {
  readonly filter: string;
  readonly group?: string;
  readonly session: { readonly clientId: string };
}

/** Cost against `maxSubscriptionBytesPerSession`: the filter, ~160 bytes per tree level, the objects around it. */
export function subscriptionBytes(filter: string): number {
  return filter.length * 2 + levelCount(filter) * 160 + 200;
}

export interface ShareGroup<S extends TreeEntry> {
  members: S[];
  next: number;
}

/** What a topic matched: plain subscriptions and share groups, in tree order. */
export interface Matched<S extends TreeEntry> {
  subs: S[];
  groups: ShareGroup<S>[];
}

interface Node<S extends TreeEntry> {
  children?: Map<string, Node<S>>;
  subs?: Map<string, S>;
  groups?: Map<string, ShareGroup<S>>;
}

export class TopicTree<S extends TreeEntry> {
  private readonly root: Node<S> = {};
  private total = 0;

  /** Number of subscriptions, shared members included. */
  get size(): number {
    return this.total;
  }

  /** Adds or replaces a client's subscription [MQTT-3.8.4-3]; returns whether it is new. */
  add(sub: S): boolean {
    const node = this.nodeFor(sub.filter, true)!;
    const clientId = sub.session.clientId;
    if (sub.group === undefined) {
      node.subs ??= new Map();
      const existed = node.subs.has(clientId);
      node.subs.set(clientId, sub);
      if (!existed) this.total++;
      return !existed;
    }
    node.groups ??= new Map();
    let group = node.groups.get(sub.group);
    if (group === undefined) node.groups.set(sub.group, (group = { members: [], next: 0 }));
    const index = group.members.findIndex((m) => m.session.clientId === clientId);
    if (index >= 0) {
      group.members[index] = sub;
      return false;
    }
    group.members.push(sub);
    this.total++;
    return true;
  }

  remove(filter: string, group: string | undefined, clientId: string): boolean {
    const node = this.nodeFor(filter, false);
    if (node === undefined) return false;
    let removed = false;
    if (group === undefined) {
      removed = node.subs?.delete(clientId) ?? false;
    } else {
      const shared = node.groups?.get(group);
      const index = shared?.members.findIndex((m) => m.session.clientId === clientId) ?? -1;
      if (shared !== undefined && index >= 0) {
        shared.members.splice(index, 1);
        if (shared.members.length === 0) node.groups!.delete(group);
        removed = true;
      }
    }
    if (removed) {
      this.total--;
      this.prune(filter);
    }
    return removed;
  }

  /** Fills reused arrays (no closure per PUBLISH). Wildcards miss `$` topics [MQTT-4.7.2-1]; `a/#` matches `a` [MQTT-4.7.1-2]. */
  collect(topic: string, into: Matched<S>): void {
    this.walk(this.root, topic.split('/'), 0, topic.startsWith('$'), into);
  }

  private walk(node: Node<S>, levels: string[], depth: number, dollar: boolean, into: Matched<S>): void {
    const children = node.children;
    if (depth === levels.length) {
      visit(node, into);
      const hash = children?.get('#');
      if (hash !== undefined) visit(hash, into);
      return;
    }
    if (children === undefined) return;
    if (depth > 0 || !dollar) {
      const hash = children.get('#');
      if (hash !== undefined) visit(hash, into);
      const plus = children.get('+');
      if (plus !== undefined) this.walk(plus, levels, depth + 1, dollar, into);
    }
    const exact = children.get(levels[depth]!);
    if (exact !== undefined) this.walk(exact, levels, depth + 1, dollar, into);
  }

  private nodeFor(filter: string, create: boolean): Node<S> | undefined {
    let node = this.root;
    for (const level of filter.split('/')) {
      let child = node.children?.get(level);
      if (child === undefined) {
        if (!create) return undefined;
        node.children ??= new Map();
        node.children.set(level, (child = {}));
      }
      node = child;
    }
    return node;
  }

  /** Drops empty nodes along a filter's path so unsubscribed topics do not leak memory. */
  private prune(filter: string): void {
    const path: Array<[Node<S>, string]> = [];
    let node = this.root;
    for (const level of filter.split('/')) {
      const child = node.children?.get(level);
      if (child === undefined) return;
      path.push([node, level]);
      node = child;
    }
    for (let i = path.length - 1; i >= 0; i--) {
      const [parent, level] = path[i]!;
      const child = parent.children!.get(level)!;
      if (child.subs?.size || child.groups?.size || child.children?.size) return;
      parent.children!.delete(level);
    }
  }
}

function visit<S extends TreeEntry>(node: Node<S>, into: Matched<S>): void {
  if (node.subs !== undefined) for (const sub of node.subs.values()) into.subs.push(sub);
  if (node.groups !== undefined) for (const group of node.groups.values()) into.groups.push(group);
}
