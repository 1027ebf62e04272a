// Mosquitto's `$SYS/broker/...` topics, retained, each published only when its value changed.
import type { BrokerStats } from './broker.js';

type SysSource = {
  stats(): BrokerStats;
  publish(topic: string, payload: Buffer, options?: { qos?: 0 | 1; retain?: boolean }): void;
};

export interface SysPublisher {
  publishNow(): void;
  stop(): void;
}

export function sysValues(stats: BrokerStats, uptimeSeconds: number, version: string): Record<string, string> {
  return {
    '$SYS/broker/version': `arra-mq ${version}`,
    '$SYS/broker/uptime': `${uptimeSeconds} seconds`,
    '$SYS/broker/clients/connected': String(stats.clients),
    '$SYS/broker/clients/total': String(stats.sessions),
    '$SYS/broker/messages/received': String(stats.messagesIn),
    '$SYS/broker/messages/sent': String(stats.messagesOut),
    '$SYS/broker/messages/dropped': String(stats.droppedMessages),
    '$SYS/broker/bytes/received': String(stats.bytesIn),
    '$SYS/broker/bytes/sent': String(stats.bytesOut),
    '$SYS/broker/subscriptions/count': String(stats.subscriptions),
    '$SYS/broker/retained messages/count': String(stats.retained),
    '$SYS/broker/connects/refused': String(stats.refusedConnects),
  };
}

export function startSysPublisher(broker: SysSource, options: { intervalMs: number; version: string; now?: () => number }): SysPublisher {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const last = new Map<string, string>();
  function publishNow() {
    const values = sysValues(broker.stats(), Math.floor((now() - startedAt) / 1000), options.version);
    for (const [topic, value] of Object.entries(values)) {
      if (last.get(topic) === value) continue;
      last.set(topic, value);
      broker.publish(topic, Buffer.from(value), { qos: 0, retain: true });
    }
  }
  publishNow();
  const timer = setInterval(publishNow, options.intervalMs);
  timer.unref();
  return { publishNow, stop: () => clearInterval(timer) };
}
