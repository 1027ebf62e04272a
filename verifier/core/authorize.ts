// The identity comes from the authentication that admitted the client (`admissions.ts`), never from the
// request's client id or username. Allows are not logged here (hot path); denies are.
import { checkAcl, isValidTopicName, parseFilter, type AclQuery } from '../../rules/index.js';
import type { AuthorizeDecision, AuthorizeRequest, Deny, DenyReason } from '../../schemas/index.js';
import { decisionKey, rememberVerdict, type AclCache, type ResolvedIdentity, type Slot } from './acl-cache.js';
import { compileAcl } from './compile-acl.js';
import type { DeciderConfig } from './types.js';
import { hasControlChars, looksLikeJwt } from './identifiers.js';
import type { RegistryStore } from './ports.js';

/** An established identity: whom the decision is for, and the values its ACL placeholders take. */
export interface IdentityQuery {
  deviceId: string | null;
  clientId: string;
  /** The username the client authenticated with (substituted for `${username}` unless it carried a token). */
  username?: string | undefined;
  /** Where the resolver keeps the cache slot it found for this same identity (its admission record). */
  link?: IdentityLink | undefined;
}

export interface IdentityLink {
  resolved?: Slot | undefined;
}

export interface IdentityResolver {
  /** undefined: the device no longer exists, or anonymous access is off. */
  resolve(query: IdentityQuery): ResolvedIdentity | undefined;
}

export function deny(reason: DenyReason, message: string): Deny {
  return { allow: false, reason, message };
}

/** A username that carried a token (go-auth JWT mode) is not a name to substitute. */
export function usernameForAcl(username: string | undefined): string | null {
  return username && !looksLikeJwt(username) ? username : null;
}

export function createIdentityResolver(registry: RegistryStore, config: DeciderConfig, cache: AclCache): IdentityResolver {
  function load(query: IdentityQuery): ResolvedIdentity | undefined {
    const values = { clientId: query.clientId, username: usernameForAcl(query.username) };
    if (query.deviceId === null) {
      if (!config.allowAnonymous) return undefined;
      const acl = compileAcl(registry.rulesFor(null), { ...values, deviceId: null }, config.aclNoMatch);
      return { deviceId: null, enabled: true, superuser: false, acl, verdicts: new Map() };
    }
    const device = registry.getDevice(query.deviceId);
    if (!device) return undefined;
    const acl = compileAcl(registry.rulesFor(device), { ...values, deviceId: device.id }, config.aclNoMatch);
    return { deviceId: device.id, enabled: device.enabled, superuser: device.superuser, acl, verdicts: new Map() };
  }

  return {
    resolve(query) {
      // A linked slot skips building the key and the lookup: a client's questions repeat.
      const linked = query.link?.resolved;
      if (linked?.live) return cache.use(linked).identity;
      // NUL cannot occur in a query, so the key is unambiguous; `+`/`-` keep a device id apart from anonymous.
      const who = query.deviceId === null ? '-' : `+${query.deviceId}`;
      const key = `${who}\u0000${query.clientId}\u0000${query.username ?? ''}`;
      let slot = cache.get(key);
      let identity = slot?.identity;
      if (slot === undefined) {
        identity = load(query);
        slot = cache.set(key, identity, query.deviceId === null ? [] : [query.deviceId]);
      }
      if (query.link) query.link.resolved = slot;
      return identity;
    },
  };
}

/** The query the ACL sees, or a deny for a topic that can never be valid. */
export function aclQuery(request: AuthorizeRequest): AclQuery | Deny {
  const { action, qos, retain } = request;
  if (action === 'publish') {
    // [MQTT-3.3.2-2] a PUBLISH topic name has no wildcards
    return isValidTopicName(request.topic) ? { action, topic: request.topic, qos, retain } : deny('invalid_request', 'topic is not a valid topic name');
  }
  // [MQTT-4.7.1-2] [MQTT-4.7.1-3] A shared subscription is judged by its filter, as the bundled broker does.
  const parsed = parseFilter(request.topic);
  return parsed === null ? deny('invalid_request', 'topic is not a valid topic filter') : { action, topic: parsed.filter, qos, retain };
}

export function hasUnsafeIdentity(query: { clientId?: string | undefined; username?: string | undefined }): boolean {
  return hasControlChars(query.clientId ?? '') || hasControlChars(query.username ?? '');
}

/** The decision for an established identity (`who`); `request` supplies only the action and topic. */
export function decideAuthorize(resolver: IdentityResolver, who: IdentityQuery, request: AuthorizeRequest): AuthorizeDecision {
  const query = aclQuery(request);
  if ('allow' in query) return query;
  const identity = resolver.resolve(who);
  if (!identity) return deny('unknown_device', who.deviceId === null ? 'anonymous access is off' : 'the device no longer exists');
  if (!identity.enabled) return deny('disabled', 'device disabled');
  if (identity.superuser) return { allow: true, superuser: true };
  const key = decisionKey(query);
  let verdict = identity.verdicts.get(key);
  if (!verdict) rememberVerdict(identity, key, (verdict = checkAcl(identity.acl, query)));
  return verdict.allow ? { allow: true, superuser: false } : deny('acl_denied', verdict.ruleIndex < 0 ? 'no rule matched' : `rule ${verdict.ruleIndex} denied`);
}
