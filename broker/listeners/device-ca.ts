// The verifier's device CA (`GET /v1/ca.pem`) for the TLS listener when `ARRA_TLS_CA` is unset.
import { Agent, fetch, type Response } from 'undici';
import { BrokerConfigError } from '../errors.js';

/** From the first replica that answers; `ca`: the PEM CA trusted for https (default: the system's CAs). */
export async function fetchDeviceCa(verifierUrls: string | readonly string[], timeoutMs = 5000, ca?: string): Promise<string> {
  const dispatcher = ca ? new Agent({ connect: { ca } }) : undefined;
  let failure: unknown;
  try {
    for (const url of typeof verifierUrls === 'string' ? [verifierUrls] : verifierUrls) {
      try {
        return await fetchPem(new URL('v1/ca.pem', url.endsWith('/') ? url : `${url}/`), timeoutMs, dispatcher);
      } catch (err) {
        failure = err;
      }
    }
    throw failure;
  } finally {
    await dispatcher?.close();
  }
}

async function fetchPem(url: URL, timeoutMs: number, dispatcher: Agent | undefined): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), ...(dispatcher ? { dispatcher } : {}) });
  } catch (cause) {
    throw new BrokerConfigError(`ARRA_TLS_CA is unset and the verifier at ${url.origin} cannot be reached for its device CA`, { cause });
  }
  const body = await response.text();
  if (response.status !== 200 || !body.includes('-----BEGIN CERTIFICATE-----')) {
    throw new BrokerConfigError(`ARRA_TLS_CA is unset and ${url} answered ${response.status} without a certificate`);
  }
  return body;
}
