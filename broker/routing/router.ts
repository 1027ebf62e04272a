// One delivery per client at the highest QoS [MQTT-3.3.4-2] with all Subscription Identifiers
// [MQTT-3.3.4-3]; one member per share group, round robin.
import type { BrokerState, Session, Subscription } from '../state.js';
import { deliver } from '../session/outbox.js';
import { mayReceive } from '../session/rights.js';
import type { Message } from './message.js';
import type { Matched, ShareGroup } from './topic-tree.js';

interface Match {
  session: Session;
  qos: 0 | 1 | 2;
  rap: boolean;
  subIds: number[] | undefined;
  checkEach: boolean;
}

/** Reused across messages (young-generation garbage sets the latency tail); a nested route gets its own. */
let spare: Matched<Subscription> | null = null;

/** Returns how many sessions it went to. */
export function route(core: BrokerState, message: Message): number {
  if (message.retain) retain(core, message);
  const found = spare ?? { subs: [], groups: [] };
  spare = null;
  try {
    core.tree.collect(message.topic, found);
    return sendToGroups(core, message, found.groups) + sendToSubscribers(core, message, found.subs);
  } finally {
    empty(found.subs);
    empty(found.groups);
    spare = found;
  }
}

/** Retained messages of any QoS are kept across restarts, as Mosquitto keeps them; `$SYS` is published afresh. */
function retain(core: BrokerState, message: Message): void {
  if (!core.retained.set(message)) {
    core.counters.droppedMessages++;
    return;
  }
  if (message.topic.startsWith('$SYS/')) return;
  if (message.payload.length === 0) core.store.deleteRetained(message.topic);
  else core.store.saveRetained(message);
}

/** Each share group's copy goes to one member. */
function sendToGroups(core: BrokerState, message: Message, groups: ShareGroup<Subscription>[]): number {
  let sent = 0;
  for (const group of groups) {
    const member = pickMember(group);
    if (member !== undefined && send(core, message, member, member.id === undefined ? undefined : [member.id])) sent++;
  }
  return sent;
}

/** The merge map only when several subscriptions match. */
function sendToSubscribers(core: BrokerState, message: Message, subs: Subscription[]): number {
  if (subs.length === 1) {
    const sub = subs[0]!;
    if (isOwnMessage(sub, message)) return 0;
    return send(core, message, sub, sub.id === undefined ? undefined : [sub.id]) ? 1 : 0;
  }
  const matches = new Map<Session, Match>();
  for (const sub of subs) if (!isOwnMessage(sub, message)) merge(matches, sub);
  let sent = 0;
  for (const match of matches.values()) if (send(core, message, match, match.subIds)) sent++;
  return sent;
}

/** No Local: not back to the publisher's own subscription [MQTT-3.8.3-3]. */
function isOwnMessage(sub: Subscription, message: Message): boolean {
  return sub.nl && sub.session.clientId === message.origin;
}

/** Pops rather than `length = 0`, which would drop the array's backing store and re-grow it next time. */
function empty(items: unknown[]): void {
  while (items.length > 0) items.pop();
}

function merge(matches: Map<Session, Match>, sub: Subscription): void {
  const existing = matches.get(sub.session);
  if (existing === undefined) {
    const subIds = sub.id === undefined ? undefined : [sub.id];
    matches.set(sub.session, { session: sub.session, qos: sub.qos, rap: sub.rap, subIds, checkEach: sub.checkEach });
    return;
  }
  if (sub.qos > existing.qos) existing.qos = sub.qos;
  existing.rap ||= sub.rap;
  existing.checkEach ||= sub.checkEach;
  if (sub.id !== undefined) (existing.subIds ??= []).push(sub.id);
}

/** False when a flagged subscription's session may not receive the topic; others cost one flag test. */
function send(core: BrokerState, message: Message, to: Subscription | Match, subIds: number[] | undefined): boolean {
  if (to.checkEach && !mayReceive(to.session.rights, message.topic, to.qos)) return false;
  const qos = Math.min(message.qos, to.qos) as 0 | 1 | 2; // [MQTT-3.8.4-8]
  // Retain kept only with Retain As Published [MQTT-3.3.1-12]; 3.1.1 always clears it [MQTT-3.3.1-9].
  deliver(core, to.session, message, qos, to.rap && message.retain, subIds);
  return true;
}

/** The next member of a share group, preferring one that is connected right now. */
function pickMember(group: ShareGroup<Subscription>): Subscription | undefined {
  const count = group.members.length;
  for (let i = 0; i < count; i++) {
    const index = (group.next + i) % count;
    const member = group.members[index]!;
    if (member.session.connection?.state === 'connected') {
      group.next = (index + 1) % count;
      return member;
    }
  }
  const fallback = group.members[group.next % count];
  group.next = (group.next + 1) % Math.max(count, 1);
  return fallback;
}
