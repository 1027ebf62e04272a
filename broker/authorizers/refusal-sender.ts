// The broker's own refusals, posted in batches to `POST /v1/refusals`. Best effort and never in MQTT's way:
// one request at a time; what does not fit or cannot be sent is dropped and counted in the log.
import type { Logger } from 'pino';
import { MAX_REFUSALS_PER_POST, type BrokerRefusal } from '../../schemas/index.js';
import type { ReplicaSet } from './replicas.js';

export interface RefusalSenderOptions {
  replicas: ReplicaSet;
  secret: string;
  logger?: Logger;
  /** How long refusals gather before a post, ms. */
  intervalMs?: number;
  /** Refusals waiting at most; more are dropped. */
  maxQueued?: number;
  timeoutMs?: number;
}

/**
 * The verifier keeps 256 characters of each text; a longer client id or topic is cut here already,
 * so that a batch of 100 stays far below the verifier's body limit.
 */
const MAX_TEXT = 1024;
const cut = (text: string) => (text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text);

export interface RefusalSender {
  add(refusal: BrokerRefusal): void;
  /** Sends what waits (for at most the timeout). */
  close(): Promise<void>;
}

export function createRefusalSender(options: RefusalSenderOptions): RefusalSender {
  const intervalMs = options.intervalMs ?? 250;
  const maxQueued = options.maxQueued ?? 1000;
  const timeoutMs = options.timeoutMs ?? 2000;
  const queue: BrokerRefusal[] = [];
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  let sending: Promise<void> | undefined;

  function schedule(): void {
    if (timer || sending) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, intervalMs);
    timer.unref();
  }

  async function post(batch: BrokerRefusal[]): Promise<void> {
    const replica = options.replicas.inOrder()[0]!;
    const response = await replica.pool.request({
      method: 'POST',
      path: `${replica.basePath}/v1/refusals`,
      headers: { 'content-type': 'application/json', 'x-arra-secret': options.secret },
      body: JSON.stringify({ items: batch }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body.dump();
    if (response.statusCode !== 204) throw new Error(`the verifier answered ${response.statusCode}`);
  }

  function flush(): Promise<void> {
    if (sending || queue.length === 0) return sending ?? Promise.resolve();
    const batch = queue.splice(0, MAX_REFUSALS_PER_POST);
    sending = post(batch)
      .then(
        () => undefined,
        (err: Error) => err.message,
      )
      .then((failure) => {
        if (failure !== undefined) dropped += batch.length;
        if (dropped > 0) options.logger?.warn({ dropped, reason: failure ?? 'queue full' }, 'refusals not recorded by the verifier');
        dropped = 0;
        sending = undefined;
        if (queue.length > 0) schedule();
      });
    return sending;
  }

  return {
    add(refusal) {
      if (queue.length >= maxQueued) {
        dropped++;
        return;
      }
      queue.push({ ...refusal, clientId: cut(refusal.clientId), topic: refusal.topic === null ? null : cut(refusal.topic) });
      schedule();
    },
    async close() {
      clearTimeout(timer);
      timer = undefined;
      const deadline = Date.now() + timeoutMs;
      await sending;
      while (queue.length > 0 && Date.now() < deadline) await flush();
      clearTimeout(timer);
      timer = undefined;
      if (queue.length > 0) options.logger?.warn({ dropped: queue.splice(0).length, reason: 'closing' }, 'refusals not recorded by the verifier');
    },
  };
}
