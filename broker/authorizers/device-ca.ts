/**
 * The verifier's device CA for a standalone broker's TLS listener, from `GET /v1/ca.pem`, so an
 * operator does not have to copy the PEM by hand (an `ARRA_TLS_CA` file still wins).
 *
 * @module broker/authorizers/device-ca
 */
import { BrokerConfigError } from '../config.js';

export async function fetchDeviceCa(verifierUrl: string, timeoutMs = 5000): Promise<string> {
  const url = new URL('v1/ca.pem', verifierUrl.endsWith('/') ? verifierUrl : `${verifierUrl}/`);
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (cause) {
    throw new BrokerConfigError(`ARRA_TLS_CA is unset and the verifier at ${url.origin} cannot be reached for its device CA`, { cause });
  }
  const body = await response.text();
  if (response.status !== 200 || !body.includes('-----BEGIN CERTIFICATE-----')) {
    throw new BrokerConfigError(`ARRA_TLS_CA is unset and ${url} answered ${response.status} without a certificate`);
  }
  return body;
}
