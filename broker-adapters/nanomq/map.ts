/** NanoMQ `auth_http` parameters to core requests (wire contract: `test/captures/nanomq.md`). */
import { z } from 'zod';
import type { AuthenticateRequest } from '../../schemas/index.js';
import type { AuthorizeQuestion } from '../../verifier/core/index.js';
import { InvalidField } from '../errors.js';
import { parseParams, wireString } from '../fields.js';

export const NanoParams = z.object({
  clientid: wireString,
  username: wireString.optional(),
  password: wireString.optional(),
  ipaddr: z.string().max(128).optional(),
  /** The CONNECT protocol *name* (`MQTT` or `MQIsdp`), not the version. */
  proto: z.string().max(16).optional(),
  sockport: z.string().max(8).optional(),
  /** `%C`: read but never used, it is wrong whenever CN is not the last RDN. */
  cn: z.string().max(4096).optional(),
  dn: z.string().max(4096).optional(),
  access: z.enum(['1', '2'], { message: 'must be "1" (subscribe) or "2" (publish)' }).optional(),
  topic: wireString.optional(),
  mountpoint: wireString.optional(),
});
export type NanoParams = z.infer<typeof NanoParams>;

export function parseNanoParams(raw: unknown): NanoParams {
  if (raw !== null && typeof raw === 'object' && Object.keys(raw).length === 0) {
    throw new InvalidField('clientid', 'no parameters at all: NanoMQ sends none when no header is configured, set headers.content-type');
  }
  return parseParams(NanoParams, raw);
}

export function toAuthenticate(p: NanoParams): AuthenticateRequest {
  return {
    clientId: p.clientid,
    ...(p.username !== undefined && { username: p.username }),
    ...(p.password !== undefined && { password: p.password }),
    ...(p.ipaddr !== undefined && { peerAddress: p.ipaddr }),
    ...(p.proto === 'MQIsdp' && { protocol: 'mqtt31' as const }),
    ...(p.dn !== undefined && { certSubject: p.dn }),
  };
}

/** Who a superuser or acl request is about; the core decides whether the subject (`dn`) counts. */
export interface NanoIdentity {
  clientId: string;
  username?: string;
  certSubject?: string;
}

export function toIdentity(p: NanoParams): NanoIdentity {
  return {
    clientId: p.clientid,
    ...(p.username !== undefined && { username: p.username }),
    ...(p.dn !== undefined && { certSubject: p.dn }),
  };
}

/** One core request per topic; NanoMQ answers a SUBSCRIBE's comma-joined filters with one verdict. */
export function toAuthorizeRequests(p: NanoParams): AuthorizeQuestion[] {
  if (p.access === undefined) throw new InvalidField('access', 'required on acl requests: configure access = "%A"');
  if (p.topic === undefined || p.topic === '') throw new InvalidField('topic', 'required on acl requests: configure topic = "%t"');
  const identity = toIdentity(p);
  if (p.access === '2') return [{ ...identity, action: 'publish', topic: p.topic }];
  return p.topic.split(',').map((filter) => {
    if (filter === '') throw new InvalidField('topic', 'empty filter in the comma-joined list');
    return { ...identity, action: 'subscribe' as const, topic: filter };
  });
}
