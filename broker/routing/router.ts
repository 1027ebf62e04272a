/**
 * Routing one message: store it if retained, find the subscriptions matching its topic, merge a
 * client's overlapping subscriptions into one delivery at the highest granted QoS
 * [MQTT-3.3.4-2] carrying all their Subscription Identifiers [MQTT-3.3.4-3], and give each share
 * group's copy to one member, round robin.
 *
 * @module broker/routing/router
 */
import type { BrokerCore } from '../broker.js';
import { deliver } from '../session/outbox.js';
import type { Session } from '../session/session.js';
import type { Message } from './message.js';
import type { ShareGroup, Subscription } from './topic-tree.js';

interface Match {
  session: Session;
  qos: 0 | 1 | 2;
  rap: boolean;
  subIds: number[] | undefined;
}

/** Routes a message to every matching session; returns the number of sessions it went to. */
export function route(core: BrokerCore, message: Message): number {
  if (message.retain && !core.retained.set(message)) core.counters.droppedMessages++;
  const matches = new Map<Session, Match>();
  let shared = 0;
  core.tree.match(
    message.topic,
    (sub) => {
      // No Local: not back to the publisher's own subscription [MQTT-3.8.3-3].
      if (sub.nl && sub.session.clientId === message.origin) return;
      merge(matches, sub);
    },
    (group) => {
      const member = pickMember(group);
      if (member === undefined) return;
      shared++;
      send(core, message, { session: member.session, qos: member.qos, rap: member.rap, subIds: member.id === undefined ? undefined : [member.id] });
    },
  );
  for (const match of matches.values()) send(core, message, match);
  return matches.size + shared;
}

function merge(matches: Map<Session, Match>, sub: Subscription): void {
  const existing = matches.get(sub.session);
  if (existing === undefined) {
    matches.set(sub.session, { session: sub.session, qos: sub.qos, rap: sub.rap, subIds: sub.id === undefined ? undefined : [sub.id] });
    return;
  }
  if (sub.qos > existing.qos) existing.qos = sub.qos;
  existing.rap ||= sub.rap;
  if (sub.id !== undefined) (existing.subIds ??= []).push(sub.id);
}

function send(core: BrokerCore, message: Message, match: Match): void {
  const qos = Math.min(message.qos, match.qos) as 0 | 1 | 2; // [MQTT-3.8.4-8]
  // A forwarded message keeps its retain flag only with Retain As Published [MQTT-3.3.1-12]
  // (3.1.1 always clears it [MQTT-3.3.1-9]).
  const retain = match.rap && message.retain;
  deliver(core, match.session, message, qos, retain, match.subIds);
}

/** The next member of a share group, preferring one that is connected right now. */
function pickMember(group: ShareGroup): Subscription | undefined {
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
