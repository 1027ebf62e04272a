/**
 * A small HTTP client for adapter tests that do not need byte-exact requests.
 *
 * @module broker-adapters/test/http
 */
import { WEBHOOK_SECRET } from '../../verifier/test/test-verifier.js';

export interface Reply {
  status: number;
  body: string;
  json: () => Record<string, unknown>;
}

export async function call(
  port: number,
  method: string,
  path: string,
  options: { body?: string | object; headers?: Record<string, string>; secret?: string | null } = {},
): Promise<Reply> {
  const { body, secret = WEBHOOK_SECRET } = options;
  const headers: Record<string, string> = { ...(secret !== null && { 'x-arra-secret': secret }), ...options.headers };
  let payload: string | undefined;
  if (typeof body === 'object') {
    payload = JSON.stringify(body);
    headers['content-type'] ??= 'application/json';
  } else if (body !== undefined) {
    payload = body;
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
  }
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers, body: payload });
  const text = await response.text();
  return { status: response.status, body: text, json: () => JSON.parse(text) as Record<string, unknown> };
}
