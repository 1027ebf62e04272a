// Fail closed: only a valid 200 allow or 403 deny decides; anything else is `AuthorizerUnavailableError`.
import type { Logger } from 'pino';
import { AuthenticateDecision, RightsDecision } from '../../schemas/index.js';
import type { Authorizer } from '../authorizer.js';
import { AuthorizerUnavailableError } from '../errors.js';
import { createAuthenticateBatches } from './authenticate-batches.js';
import { startChangeFeed, type ChangeFeedLoop } from './change-feed.js';
import { createChangeFanout } from './change-fanout.js';
import { createRefusalSender } from './refusal-sender.js';
import { createReplicaSet, type Replica } from './replicas.js';

export interface HttpAuthorizerOptions {
  /** Base URL of the verifier, e.g. `http://127.0.0.1:8080`, or of its replicas in order of preference. */
  url: string | readonly string[];
  /** Sent as `X-Arra-Secret`; never logged. */
  secret: string;
  /** Deadline of one CONNECT decision, from request to parsed body, ms. */
  timeoutMs?: number;
  /** Keep-alive connections in the pool (per replica). */
  connections?: number;
  /** How often a replica that stopped answering is probed for its return, ms. */
  probeMs?: number;
  /** PEM CA trusted for an https `url` (default: the system's CAs). */
  ca?: string;
  logger?: Logger;
  /** Long-poll options of the change feed; `false` turns the feed off. */
  changeFeed?: false | { waitMs?: number; minBackoffMs?: number; maxBackoffMs?: number };
}

function unavailable(message: string, cause?: unknown): AuthorizerUnavailableError {
  return new AuthorizerUnavailableError(message, cause === undefined ? undefined : { cause });
}

export function createHttpAuthorizer(options: HttpAuthorizerOptions): Authorizer {
  const timeoutMs = options.timeoutMs ?? 2000;
  const replicas = createReplicaSet({
    urls: typeof options.url === 'string' ? [options.url] : options.url,
    connections: options.connections ?? 16,
    ...(options.ca ? { ca: options.ca } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.probeMs ? { probeMs: options.probeMs } : {}),
  });
  const changes = createChangeFanout(options.logger);
  const refusals = createRefusalSender({ replicas, secret: options.secret, ...(options.logger ? { logger: options.logger } : {}) });
  const feed: ChangeFeedLoop | undefined = options.changeFeed === false
    ? undefined
    : startChangeFeed({
        replicas,
        secret: options.secret,
        emit: (change) => changes.emit(change),
        ...(options.logger ? { logger: options.logger } : {}),
        ...(options.changeFeed || {}),
      });

  /** 5xx, timeouts and network errors throw: the replica is not answering. Other non-decisions are the caller's fault. */
  async function askOne(replica: Replica, route: string, body: string, attemptMs: number) {
    try {
      const response = await replica.pool.request({
        method: 'POST',
        path: `${replica.basePath}${route}`,
        headers: { 'content-type': 'application/json', 'x-arra-secret': options.secret },
        body,
        signal: AbortSignal.timeout(attemptMs),
      });
      if (response.statusCode !== 200 && response.statusCode !== 403) {
        await response.body.dump();
        if (response.statusCode < 500) return { refused: response.statusCode };
        throw unavailable(`the verifier answered ${response.statusCode}`);
      }
      return { status: response.statusCode, json: (await response.body.json()) as unknown };
    } catch (err) {
      if (err instanceof AuthorizerUnavailableError) throw err;
      throw unavailable(`the verifier could not be asked: ${(err as Error).name}`, err);
    }
  }

  /** Replicas in turn, each given an equal share of what is left of the deadline. */
  async function ask(route: string, body: string, deadline: number) {
    const order = replicas.inOrder();
    let failure: AuthorizerUnavailableError | undefined;
    for (const [index, replica] of order.entries()) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      let answer: Awaited<ReturnType<typeof askOne>>;
      try {
        answer = await askOne(replica, route, body, Math.max(1, Math.floor(left / (order.length - index))));
      } catch (err) {
        failure = err as AuthorizerUnavailableError;
        replicas.markDown(replica, failure.message);
        continue;
      }
      // A wrong secret or a request the verifier cannot read is the same on every replica.
      if ('refused' in answer) throw unavailable(`the verifier answered ${answer.refused}`);
      return answer;
    }
    throw failure ?? unavailable('the verifier did not answer within the deadline');
  }

  /** A 200 allow or a 403 deny of the expected shape; anything else is no decision. */
  async function decide<T extends { allow: boolean }>(
    route: string,
    request: unknown,
    schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: unknown } },
    deadline = Date.now() + timeoutMs,
  ): Promise<T> {
    const { status, json } = await ask(route, JSON.stringify(request), deadline);
    const decision = schema.safeParse(json);
    if (!decision.success) throw unavailable('the verifier answered with an invalid decision body', decision.error);
    // A 200 deny or a 403 allow is a confused verifier, not a decision.
    if (decision.data.allow !== (status === 200)) throw unavailable(`the verifier answered ${status} with allow=${decision.data.allow}`);
    return decision.data;
  }

  const authenticate = createAuthenticateBatches({
    replicas,
    secret: options.secret,
    timeoutMs,
    single: (request, deadline) => decide('/v1/authenticate', request, AuthenticateDecision, deadline),
    ...(options.logger ? { logger: options.logger } : {}),
  });

  return {
    authenticate,
    rights: (request) => decide('/v1/rights', request, RightsDecision),
    refused: (refusal) => refusals.add(refusal),
    onChange: (callback) => changes.add(callback),
    async close() {
      await feed?.stop();
      await refusals.close();
      changes.clear();
      await replicas.close();
    },
  };
}
