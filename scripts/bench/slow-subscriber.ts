/**
 * A stop-and-go subscriber against a steady publisher: one QoS 1 publisher (window 100) feeds a
 * subscriber that keeps up, for `durationMs`; then the same again with a second subscriber on the
 * same topic that reads for `goMs` and stops reading for `stopMs`, in a loop. The figure is the
 * publisher's throughput with that subscriber present over without it (1 = not slowed at all).
 */
import { performance } from 'node:perf_hooks';
import { SUBACK, rawClient, type RawClient } from './client.js';
import { publishTemplate, subscribeFrame } from './frames.js';
import { publishQos1, subscriberHandler } from './throughput.js';

export interface SlowSubscriberResult {
  alonePerSec: number;
  withSlowPerSec: number;
  /** withSlowPerSec / alonePerSec. */
  ratio: number;
}

async function subscribe(port: number, clientId: string): Promise<RawClient> {
  const client = await rawClient(port, clientId);
  const suback = client.next(SUBACK);
  client.socket.write(subscribeFrame('sg/#', 1));
  await suback;
  client.onFrame(subscriberHandler(client, 1, () => {}));
  return client;
}

async function publishFor(pub: RawClient, durationMs: number): Promise<number> {
  const start = performance.now();
  const sent = await publishQos1(pub, publishTemplate('sg/x', 1), Number.MAX_SAFE_INTEGER, 100, start + durationMs);
  return (sent / (performance.now() - start)) * 1000;
}

/** Reads (and acknowledges) for `goMs`, then leaves the socket unread for `stopMs`, until stopped. */
function stopAndGo(client: RawClient, goMs: number, stopMs: number): () => void {
  let timer: NodeJS.Timeout;
  const stop = () => {
    client.socket.pause();
    timer = setTimeout(go, stopMs);
  };
  const go = () => {
    client.socket.resume();
    timer = setTimeout(stop, goMs);
  };
  stop();
  return () => clearTimeout(timer);
}

export async function slowSubscriber(port: number, options: { durationMs: number; goMs: number; stopMs: number }): Promise<SlowSubscriberResult> {
  const steady = await subscribe(port, 'sg-steady');
  const pub = await rawClient(port, 'sg-pub');
  const clients = [steady, pub];
  try {
    await publishFor(pub, Math.min(2000, options.durationMs / 4)); // warm-up: compiled code in both periods
    const alonePerSec = await publishFor(pub, options.durationMs);
    const slow = await subscribe(port, 'sg-stop-and-go');
    clients.push(slow);
    const stopCycle = stopAndGo(slow, options.goMs, options.stopMs);
    const withSlowPerSec = await publishFor(pub, options.durationMs);
    stopCycle();
    return { alonePerSec, withSlowPerSec, ratio: withSlowPerSec / alonePerSec };
  } finally {
    clients.forEach((c) => c.close());
  }
}
