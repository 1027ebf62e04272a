/**
 * External issuers' JWKS for the core's `ExternalKeyResolver` (I/O, so beside the core). An unknown
 * `kid` refetches at most once per `cooldownSeconds`, so made-up kids cannot flood the issuer; a failed
 * refetch keeps serving the older copy.
 */
import { createLocalJWKSet, errors, type JSONWebKeySet } from 'jose';
import { request } from 'undici';
import { ExternalJwksError, ExternalKeyNotFoundError, type Clock, type ExternalIssuer, type ExternalKeyResolver, type Logger } from './core/index.js';

export interface ExternalKeyResolverOptions {
  clock?: Clock;
  fetchTimeoutMs: number;
  cacheSeconds: number;
  cooldownSeconds: number;
  logger: Logger;
  /** Largest JWKS body accepted; default 256 KiB. */
  maxBytes?: number;
}

interface CachedSet {
  select: ReturnType<typeof createLocalJWKSet>;
  fetchedAt: number;
}

const DEFAULT_MAX_BYTES = 256 * 1024;

async function readBody(body: AsyncIterable<Buffer>, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) throw new Error(`JWKS larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJwks(text: string): JSONWebKeySet {
  const parsed: unknown = JSON.parse(text);
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'object' && k !== null)) throw new Error('JWKS has no "keys" array');
  return parsed as JSONWebKeySet;
}

export function createExternalKeyResolver(options: ExternalKeyResolverOptions): ExternalKeyResolver {
  const clock = options.clock ?? Date;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const sets = new Map<string, CachedSet>();
  const lastFetch = new Map<string, number>();
  const inflight = new Map<string, Promise<CachedSet>>();

  async function download(url: string): Promise<CachedSet> {
    if (!/^https?:\/\//i.test(url)) throw new ExternalJwksError(`JWKS URL must be http(s): ${url}`);
    try {
      const response = await request(url, {
        method: 'GET',
        headers: { accept: 'application/json' },
        headersTimeout: options.fetchTimeoutMs,
        bodyTimeout: options.fetchTimeoutMs,
        signal: AbortSignal.timeout(options.fetchTimeoutMs),
      });
      if (response.statusCode !== 200) {
        await response.body.dump();
        throw new Error(`status ${response.statusCode}`);
      }
      const jwks = parseJwks(await readBody(response.body, maxBytes));
      return { select: createLocalJWKSet(jwks), fetchedAt: clock.now() };
    } catch (err) {
      throw new ExternalJwksError(`JWKS ${url} could not be read: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Fetches once for all concurrent callers; keeps the older copy when the fetch fails. */
  function refresh(url: string): Promise<CachedSet> {
    const running = inflight.get(url);
    if (running) return running;
    lastFetch.set(url, clock.now());
    const fetching = download(url)
      .then((set) => {
        sets.set(url, set);
        return set;
      })
      .catch((err: ExternalJwksError) => {
        const stale = sets.get(url);
        if (!stale) throw err;
        options.logger.warn({ err, jwksUrl: url }, 'JWKS refetch failed, serving the copy held');
        return stale;
      })
      .finally(() => inflight.delete(url));
    inflight.set(url, fetching);
    return fetching;
  }

  async function current(url: string): Promise<CachedSet> {
    const held = sets.get(url);
    if (held && clock.now() - held.fetchedAt < options.cacheSeconds * 1000) return held;
    return refresh(url);
  }

  function mayRefetch(url: string): boolean {
    return clock.now() - (lastFetch.get(url) ?? -Infinity) >= options.cooldownSeconds * 1000;
  }

  async function select(set: CachedSet, header: { kid?: string; alg?: string }): Promise<CryptoKey | undefined> {
    try {
      return await set.select({ kid: header.kid, alg: header.alg! });
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey) return undefined;
      if (err instanceof errors.JWKSMultipleMatchingKeys) throw new ExternalKeyNotFoundError('several JWKS keys match: a kid is required');
      throw new ExternalKeyNotFoundError('no usable JWKS key for this token', { cause: err });
    }
  }

  return {
    async resolve(issuer: ExternalIssuer, header: { kid?: string; alg?: string }) {
      if (!header.alg) throw new ExternalKeyNotFoundError('token header has no alg');
      const url = issuer.jwksUrl;
      const key = await select(await current(url), header);
      if (key) return key;
      if (!mayRefetch(url)) throw new ExternalKeyNotFoundError(`no key ${header.kid ?? '(no kid)'} in the JWKS of ${issuer.issuer}`);
      const rotated = await select(await refresh(url), header);
      if (rotated) return rotated;
      throw new ExternalKeyNotFoundError(`no key ${header.kid ?? '(no kid)'} in the JWKS of ${issuer.issuer}`);
    },
  };
}
