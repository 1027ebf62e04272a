// CONNECTs asked while the previous batch is unanswered go to the verifier together, as the next one:
// in a reconnect storm each HTTP round trip costs both processes several times the decision it carries.
// A verifier without the batch route and whatever a batch leaves undecided go the single way, which
// fails over between replicas; a line that breaks the contract fails closed.
import type { Logger } from 'pino';
import { AUTHENTICATE_BATCH_MAX, AuthenticateBatchLine, type AuthenticateDecision, type AuthenticateRequest } from '../../schemas/index.js';
import { AuthorizerUnavailableError } from '../errors.js';
import type { Replica, ReplicaSet } from './replicas.js';

const BATCH_ROUTE = '/v1/authenticate/batch';
/** Longest line a decision takes (its ACL included); a longer one is a broken answer. */
const MAX_LINE_CHARS = 1 << 20;
/**
 * Batches sent at once whose answer has not begun. The verifier answers every decision it can make at
 * once in the answer's first bytes, so this bounds batches being decided, not the slow asks in them.
 */
const MAX_UNANSWERED = 1;
/**
 * About how many characters of credentials one batch carries: a quarter of the verifier's default body
 * limit (1 MiB), so JSON's escapes still fit. Devices with large tokens go in smaller batches, not
 * into a 413 and one by one.
 */
const BATCH_TEXT = 256 * 1024;

export interface AuthenticateBatchesOptions {
  replicas: ReplicaSet;
  secret: string;
  /** Deadline of one decision, from the ask to the answer, ms. */
  timeoutMs: number;
  /** One decision through `/v1/authenticate`, replicas in turn, by `deadline` (ms since the epoch). */
  single(request: AuthenticateRequest, deadline: number): Promise<AuthenticateDecision>;
  logger?: Logger;
}

interface Ask {
  request: AuthenticateRequest;
  /** When its decision is due (ms since the epoch): from the ask, however long it waited for a batch. */
  deadline: number;
  resolve(decision: AuthenticateDecision): void;
  reject(err: unknown): void;
}

class BrokenBatchAnswer extends Error {}

export function createAuthenticateBatches(options: AuthenticateBatchesOptions): (request: AuthenticateRequest) => Promise<AuthenticateDecision> {
  const { replicas, secret, timeoutMs, single, logger } = options;
  /** Replicas that answered 404 to the batch route: verifiers from before it, asked one by one. */
  const withoutBatches = new WeakSet<Replica>();
  const queue: Ask[] = [];
  let flushing = false;
  /** Batches sent whose answer has not begun: asks meanwhile wait and go together in the next one. */
  let unanswered = 0;

  const oneByOne = (asks: Iterable<Ask>) => {
    for (const ask of asks) single(ask.request, ask.deadline).then(ask.resolve, ask.reject);
  };

  function flush(): void {
    flushing = false;
    while (queue.length > 0 && unanswered < MAX_UNANSWERED) {
      const asks = queue.splice(0, batchLength(queue));
      const replica = replicas.inOrder()[0]!;
      if (replica.down || withoutBatches.has(replica)) oneByOne(asks);
      else void send(replica, asks);
    }
  }

  /** Once per turn of the event loop at most: what was asked in it goes together. */
  function scheduleFlush(): void {
    if (flushing) return;
    flushing = true;
    setImmediate(flush);
  }

  function answerBegun(): void {
    unanswered -= 1;
    if (queue.length > 0) scheduleFlush();
  }

  /** The batch on the preferred replica, given its share of the oldest ask's time as the single way would. */
  async function send(replica: Replica, asks: Ask[]): Promise<void> {
    const open = new Map(asks.entries());
    const undecided: Ask[] = [];
    unanswered += 1;
    let begun = false;
    const begin = () => {
      if (begun) return;
      begun = true;
      answerBegun();
    };
    try {
      const response = await replica.pool.request({
        method: 'POST',
        path: `${replica.basePath}${BATCH_ROUTE}`,
        headers: { 'content-type': 'application/json', 'x-arra-secret': secret },
        body: JSON.stringify({ requests: asks.map((ask) => ask.request) }),
        signal: AbortSignal.timeout(Math.max(1, Math.floor((asks[0]!.deadline - Date.now()) / replicas.inOrder().length))),
      });
      begin();
      if (response.statusCode !== 200) {
        await response.body.dump();
        refused(replica, response.statusCode);
      } else {
        response.body.setEncoding('utf8');
        await eachLine(response.body as AsyncIterable<string>, (line) => settle(open, undecided, line));
      }
    } catch (err) {
      if (err instanceof BrokenBatchAnswer) {
        const broken = new AuthorizerUnavailableError(`the verifier's batch answer broke its contract: ${err.message}`);
        for (const ask of [...open.values(), ...undecided]) ask.reject(broken);
        return;
      }
      // A replica that began its answer is up: only slow asks (a lockout wait) outlasted its share.
      if (!begun) replicas.markDown(replica, `the batch could not be asked: ${(err as Error).name}`);
    } finally {
      begin();
    }
    oneByOne([...open.values(), ...undecided]);
  }

  function refused(replica: Replica, status: number): void {
    if (status === 404 && !withoutBatches.has(replica)) {
      withoutBatches.add(replica);
      logger?.warn({ verifier: replica.origin }, 'the verifier has no batch route (an older version); asking it one CONNECT at a time');
    }
    if (status >= 500) replicas.markDown(replica, `the verifier answered ${status} to a batch`);
  }

  return (request) =>
    new Promise((resolve, reject) => {
      queue.push({ request, deadline: Date.now() + timeoutMs, resolve, reject });
      scheduleFlush();
    });
}

/** How many asks from the front of `queue` go in one batch: at most 256, at most `BATCH_TEXT`, at least one. */
function batchLength(queue: readonly Ask[]): number {
  let text = 0;
  let count = 0;
  for (const { request } of queue) {
    text += request.clientId.length + (request.username?.length ?? 0) + (request.password?.length ?? 0) + (request.certSubject?.length ?? 0);
    if (count === AUTHENTICATE_BATCH_MAX || (count > 0 && text > BATCH_TEXT)) break;
    count += 1;
  }
  return count;
}

/**
 * One line of the answer settles the ask it names, or (undecided there) moves it to `undecided`, to be
 * asked again one by one: another replica may decide. An ask named twice, or never asked, is a broken answer.
 */
function settle(open: Map<number, Ask>, undecided: Ask[], text: string): void {
  let parsed: AuthenticateBatchLine;
  try {
    parsed = AuthenticateBatchLine.parse(JSON.parse(text));
  } catch {
    throw new BrokenBatchAnswer('a line that is not a batch line');
  }
  const ask = open.get(parsed.index);
  if (!ask) throw new BrokenBatchAnswer(`index ${parsed.index} was not asked, or answered twice`);
  open.delete(parsed.index);
  if ('unavailable' in parsed) undecided.push(ask);
  else ask.resolve(parsed.decision);
}

async function eachLine(body: AsyncIterable<string>, onLine: (line: string) => void): Promise<void> {
  let rest = '';
  for await (const chunk of body) {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop()!;
    if (rest.length > MAX_LINE_CHARS) throw new BrokenBatchAnswer('a line longer than any decision');
    for (const line of lines) if (line !== '') onLine(line);
  }
  if (rest !== '') throw new BrokenBatchAnswer('an unfinished last line');
}
