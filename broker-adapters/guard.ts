/**
 * The shared secret (`?secret=` for go-auth, which cannot send headers) or an allow-listed address; a
 * wrong secret is refused even from an allowed address. A callback: a promise per request shows.
 */
import type { BlockList } from 'node:net';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { peerAddress } from '../rules/index.js';
import { secretMatcher } from '../verifier/core/index.js';
import { CallerSecretWrong, CallerUnknown } from './errors.js';

export const SECRET_HEADER = 'x-arra-secret';
export const SECRET_QUERY = 'secret';

export interface GuardConfig {
  /** The shared secret; empty disables secret authentication (address allow-list only). */
  webhookSecret: string;
  allowList: BlockList;
}

export type BrokerGuard = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

export function createGuard(config: GuardConfig): BrokerGuard {
  const { allowList } = config;
  const matchesSecret = secretMatcher(config.webhookSecret);

  return function guard(request, _reply, done) {
    const presented = presentedSecret(request);
    if (presented !== undefined) {
      if (matchesSecret(presented)) return done();
      return done(new CallerSecretWrong('the shared secret presented by the caller is wrong'));
    }
    // The TCP peer, not `request.ip`: behind `trustProxy` any caller writes X-Forwarded-For.
    const address = peerAddress(request.raw.socket.remoteAddress);
    if (address !== null && allowList.check(address.ip, address.family)) return done();
    done(new CallerUnknown(`caller ${address?.ip ?? 'unknown'} sent no shared secret and is not in webhookAllow`));
  };
}

function presentedSecret(request: FastifyRequest): string | undefined {
  const header = request.headers[SECRET_HEADER];
  if (header !== undefined) return Array.isArray(header) ? header.join(',') : header;
  const query = request.query as Record<string, unknown> | undefined;
  const fromQuery = query?.[SECRET_QUERY];
  if (fromQuery === undefined) return undefined;
  return Array.isArray(fromQuery) ? fromQuery.join(',') : String(fromQuery);
}
