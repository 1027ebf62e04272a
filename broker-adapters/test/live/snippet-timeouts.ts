/**
 * The request timeout a shipped snippet sets, read from the snippet itself, so the hung-verifier
 * cases hold the snippet to what it promises.
 *
 * @module broker-adapters/test/live/snippet-timeouts
 */

/** NanoMQ `timeout = Ns` inside `http_auth`; go-auth `auth_opt_http_timeout N` / `auth_opt_jwt_http_timeout N`. */
export function snippetTimeoutMs(snippet: string, dialect: 'nanomq' | 'go-auth'): number {
  const pattern = dialect === 'nanomq' ? /^\s*timeout = (\d+)s$/m : /^auth_opt_(?:http|jwt_http)_timeout (\d+)$/m;
  const seconds = pattern.exec(snippet)?.[1];
  if (seconds === undefined) throw new Error(`the ${dialect} snippet sets no request timeout`);
  return Number(seconds) * 1000;
}
