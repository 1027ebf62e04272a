/**
 * The caller check every adapter route runs before anything else (before the body is even read):
 * the request must come from one of our brokers. Two proofs are accepted:
 *
 * 1. the shared secret, in the `X-Arra-Secret` header (NanoMQ and EMQX can send custom headers) or in
 *    a `secret` query parameter (mosquitto-go-auth cannot send headers, but its http.go builds the
 *    request URL as `scheme://host:port` + the configured URI verbatim, so a query string survives);
 * 2. a caller address inside one of the `webhookAllow` CIDRs (the broker on the same host or LAN).
 *
 * A presented secret must be right even from an allowed address: a broker with a stale secret is a
 * misconfiguration we want to see, not paper over. Secrets are compared in constant time
 * (`secretMatcher` of the core) and never logged. The hook is a callback, not an async function: it
 * runs on every broker request, and a promise per request is measurable at the rates brokers ask.
 *
 * @module broker-adapters/guard
 */
import { BlockList, isIP } from 'node:net';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { secretMatcher } from '../verifier/core/index.js';
import { AdapterConfigError, CallerSecretWrong, CallerUnknown } from './errors.js';

export const SECRET_HEADER = 'x-arra-secret';
export const SECRET_QUERY = 'secret';

export interface GuardConfig {
  /** The shared secret; empty disables secret authentication (address allow-list only). */
  webhookSecret: string;
  /** CIDRs (or bare addresses) whose callers need no secret. */
  webhookAllow: string[];
}

/** Builds the `onRequest` hook. Throws `AdapterConfigError` at startup for a CIDR that does not parse. */
export function createGuard(config: GuardConfig) {
  const allowList = buildAllowList(config.webhookAllow);
  const matchesSecret = secretMatcher(config.webhookSecret);

  return function guard(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const presented = presentedSecret(request);
    if (presented !== undefined) {
      if (matchesSecret(presented)) return done();
      return done(new CallerSecretWrong('the shared secret presented by the caller is wrong'));
    }
    const address = callerAddress(request);
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

/**
 * The TCP peer, not `request.ip`: behind `trustProxy` that one comes from X-Forwarded-For, which any
 * caller can write. IPv4-mapped IPv6 (`::ffff:127.0.0.1`, dual-stack sockets) is folded to IPv4.
 */
function callerAddress(request: FastifyRequest): { ip: string; family: 'ipv4' | 'ipv6' } | null {
  const raw = request.raw.socket.remoteAddress;
  if (raw === undefined) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(raw);
  const ip = mapped ? mapped[1]! : raw;
  const version = isIP(ip);
  if (version === 0) return null;
  return { ip, family: version === 4 ? 'ipv4' : 'ipv6' };
}

function buildAllowList(cidrs: string[]): BlockList {
  const list = new BlockList();
  for (const entry of cidrs) {
    const [ip = '', prefixText] = entry.trim().split('/');
    const version = isIP(ip);
    const family = version === 4 ? 'ipv4' : 'ipv6';
    const prefix = prefixText === undefined ? (version === 4 ? 32 : 128) : Number(prefixText);
    const max = version === 4 ? 32 : 128;
    if (version === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
      throw new AdapterConfigError(`webhookAllow: "${entry}" is not an IP address or CIDR`);
    }
    list.addSubnet(ip, prefix, family);
  }
  return list;
}
