// Every bound that protects memory or CPU from a client, with safe defaults.

export interface BrokerLimits {
  /** Largest packet accepted from a client, bytes (announced as Maximum Packet Size in 5.0). */
  maxPacketSize: number;
  /** Unacknowledged QoS 1/2 messages sent to a client at once; must cover a busy subscriber's round trip. */
  maxInflight: number;
  /** Our Receive Maximum: unacknowledged QoS 2 PUBLISHes a client may have open towards us. */
  receiveMaximum: number;
  /** Subscriptions one session may hold; more are refused in SUBACK (5.0: 0x97 quota exceeded). */
  maxSubscriptionsPerSession: number;
  /** Bytes the subscriptions of one session may cost (`subscriptionBytes`); more are refused like the count. */
  maxSubscriptionBytesPerSession: number;
  /** Levels a topic name or filter may have (Mosquitto's answer too); more: 5.0 0x90 / SUBACK 0x8F. */
  maxTopicLevels: number;
  /** Bytes a topic filter may have; longer: SUBACK 0x8F (3.1.1: 0x80). */
  maxFilterLength: number;
  /** Messages kept per session while offline or beyond the in-flight window; oldest dropped first. */
  maxQueuedPerSession: number;
  /** Bytes of QoS 1/2 messages one session holds, queued and in flight, online or offline (see `messageBytes`). */
  maxQueuedBytesPerSession: number;
  /** Bytes of QoS 1/2 messages all sessions hold together. */
  maxQueuedBytes: number;
  /** Client→server topic aliases we accept (Topic Alias Maximum in CONNACK); 0 disables. */
  topicAliasMaximum: number;
  /** Upper bound on a session's expiry interval, seconds (also the lifetime of 3.1.1 persistent sessions). */
  maxSessionExpiry: number;
  /** Smallest and largest keep alive accepted, seconds; outside values are replaced (5.0: Server Keep Alive). */
  minKeepAlive: number;
  maxKeepAlive: number;
  /** A connection that sends no CONNECT within this time is closed, ms. */
  connectTimeoutMs: number;
  /** How long the authorizer may take before the CONNECT is refused as "server unavailable", ms. */
  authTimeoutMs: number;
  /** Retained messages kept broker-wide; a new topic beyond this is not retained (and counted as dropped). */
  maxRetained: number;
  /** Bytes of retained messages broker-wide (see `messageBytes`); beyond it a message is not retained. */
  maxRetainedBytes: number;
  /** Bytes of retained messages one client (by client id) may hold; beyond it its message is not retained. */
  maxRetainedBytesPerClient: number;
  /** QoS 0 messages are dropped for a client whose socket has this many bytes unsent. */
  maxWriteBufferBytes: number;
  /** Longest a slow subscriber may hold its publishers paused, ms; then it loses its oldest messages instead. */
  maxThrottleMs: number;
  /** Then it pauses nobody for this long, ms, renewed while its queue keeps filling. */
  slowSubscriberPenaltyMs: number;
  /** Timer wheel tick: keepalive, credential expiry, will delay and session expiry are checked this often, ms. */
  tickMs: number;
}

export const defaultLimits: Readonly<BrokerLimits> = Object.freeze({
  maxPacketSize: 256 * 1024,
  maxInflight: 256,
  receiveMaximum: 64,
  maxQueuedPerSession: 1000,
  maxTopicLevels: 200,
  maxFilterLength: 1024,
  maxQueuedBytesPerSession: 16 * 1024 * 1024,
  maxQueuedBytes: 1024 * 1024 * 1024,
  maxSubscriptionsPerSession: 1000,
  maxSubscriptionBytesPerSession: 2 * 1024 * 1024,
  topicAliasMaximum: 32,
  maxSessionExpiry: 24 * 3600,
  minKeepAlive: 0,
  maxKeepAlive: 65535,
  connectTimeoutMs: 10_000,
  authTimeoutMs: 5_000,
  maxRetained: 100_000,
  maxRetainedBytes: 256 * 1024 * 1024,
  maxRetainedBytesPerClient: 16 * 1024 * 1024,
  maxWriteBufferBytes: 4 * 1024 * 1024,
  maxThrottleMs: 500,
  slowSubscriberPenaltyMs: 60_000,
  tickMs: 1000,
});

/** Defaults overlaid with the caller's values; rejects values that would disable a protection. */
export function resolveLimits(partial: Partial<BrokerLimits> = {}): BrokerLimits {
  const limits = { ...defaultLimits, ...partial };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`broker limit ${name} must be a non-negative integer`);
  }
  if (limits.receiveMaximum < 1 || limits.receiveMaximum > 65535) throw new RangeError('receiveMaximum must be 1..65535');
  if (limits.topicAliasMaximum > 65535) throw new RangeError('topicAliasMaximum must be 0..65535');
  if (limits.maxPacketSize < 64) throw new RangeError('maxPacketSize must be at least 64 bytes');
  if (limits.tickMs < 10) throw new RangeError('tickMs must be at least 10');
  return limits;
}
