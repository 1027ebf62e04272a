/**
 * PUBLISH / SUBSCRIBE decisions, the hot path. The identity (deviceId, else a device named by the
 * username, else by the client id; anonymous when allowed and no username was given) is resolved once
 * and cached with its compiled ACL (`acl-cache.ts`), which also remembers its verdicts: a repeated
 * decision is a topic check and two map lookups, a new one adds `checkAcl` from schemas. Allows are
 * not logged here (the hot path; metrics see them through `onDecision`); denies are.
 *
 * @module verifier/core/authorize
 */
import { checkAcl, isValidTopicFilter, isValidTopicName } from '../../schemas/index.js';
import type { AclQuery, AuthorizeDecision, AuthorizeRequest, Deny, DenyReason } from '../../schemas/index.js';
import { decisionKey, rememberVerdict, type AclCache, type ResolvedIdentity } from './acl-cache.js';
import { compileAcl } from './compile-acl.js';
import type { DeciderConfig } from './deps.js';
import { hasControlChars, isDeviceName, looksLikeJwt } from './identifiers.js';
import type { DeviceRecord, RegistryStore } from './ports.js';

export interface IdentityQuery {
  deviceId?: string | undefined;
  clientId?: string | undefined;
  username?: string | undefined;
}

export interface IdentityResolver {
  /** undefined: names no device, and anonymous access does not apply. */
  resolve(query: IdentityQuery): ResolvedIdentity | undefined;
}

function deny(reason: DenyReason, message: string): Deny {
  return { allow: false, reason, message };
}

/** A username that carried a token (go-auth JWT mode) is not a name to substitute. */
function usernameForAcl(username: string | undefined): string | null {
  return username && !looksLikeJwt(username) ? username : null;
}

function findDevice(registry: RegistryStore, query: IdentityQuery): DeviceRecord | undefined {
  if (query.deviceId !== undefined) return registry.getDevice(query.deviceId);
  for (const name of [query.username, query.clientId]) {
    if (name && isDeviceName(name)) {
      const device = registry.getDevice(name);
      if (device) return device;
    }
  }
  return undefined;
}

export function createIdentityResolver(registry: RegistryStore, config: DeciderConfig, cache: AclCache): IdentityResolver {
  function load(query: IdentityQuery): ResolvedIdentity | undefined {
    const values = { clientId: query.clientId ?? null, username: usernameForAcl(query.username) };
    const device = findDevice(registry, query);
    if (device) {
      const acl = compileAcl(registry.rulesFor(device), { ...values, deviceId: device.id }, config.aclNoMatch);
      return { deviceId: device.id, enabled: device.enabled, superuser: device.superuser, acl, verdicts: new Map() };
    }
    if (query.deviceId === undefined && !query.username && config.allowAnonymous) {
      const acl = compileAcl(registry.rulesFor(null), { ...values, deviceId: null }, config.aclNoMatch);
      return { deviceId: null, enabled: true, superuser: false, acl, verdicts: new Map() };
    }
    return undefined;
  }

  return {
    resolve(query) {
      // NUL cannot occur in a query (control characters are refused first), so the key is unambiguous.
      const key = `${query.deviceId ?? ''}\u0000${query.clientId ?? ''}\u0000${query.username ?? ''}`;
      const cached = cache.get(key);
      if (cached) return cached.identity;
      const identity = load(query);
      const names = [query.deviceId, query.username, query.clientId, identity?.deviceId ?? undefined];
      cache.set(key, identity, [...new Set(names.filter((n): n is string => !!n))]);
      return identity;
    },
  };
}

const SHARE_PREFIX = '$share/';

/**
 * The filter an ACL judges: a shared subscription `$share/{group}/{filter}` is judged by its filter, as
 * the bundled broker does, so a device allowed `sensors/#` may also share it. undefined: invalid.
 */
function subscribedFilter(topic: string): string | undefined {
  if (!topic.startsWith(SHARE_PREFIX)) return isValidTopicFilter(topic) ? topic : undefined;
  const slash = topic.indexOf('/', SHARE_PREFIX.length);
  const group = topic.slice(SHARE_PREFIX.length, slash);
  const filter = topic.slice(slash + 1);
  // [MQTT-4.8.2-1] a ShareName has no `/ + #`; [MQTT-4.8.2-2] it is followed by `/` and a filter
  if (slash < 0 || group.length === 0 || /[+#]/.test(group) || !isValidTopicFilter(filter)) return undefined;
  return filter;
}

/** The query the ACL sees, or a deny for a topic that can never be valid. */
function aclQuery(request: AuthorizeRequest): AclQuery | Deny {
  const { action, qos, retain } = request;
  if (action === 'publish') {
    // [MQTT-3.3.2-2] a PUBLISH topic name has no wildcards
    return isValidTopicName(request.topic) ? { action, topic: request.topic, qos, retain } : deny('invalid_request', 'topic is not a valid topic name');
  }
  // [MQTT-4.7.1-2] [MQTT-4.7.1-3] wildcards only as whole levels, `#` last
  const topic = subscribedFilter(request.topic);
  return topic === undefined ? deny('invalid_request', 'topic is not a valid topic filter') : { action, topic, qos, retain };
}

export function hasUnsafeIdentity(query: IdentityQuery): boolean {
  return hasControlChars(query.clientId ?? '') || hasControlChars(query.username ?? '');
}

export function decideAuthorize(resolver: IdentityResolver, request: AuthorizeRequest): AuthorizeDecision {
  if (hasUnsafeIdentity(request)) return deny('invalid_request', 'clientId or username contains control characters');
  const query = aclQuery(request);
  if ('allow' in query) return query;
  const identity = resolver.resolve(request);
  if (!identity) return deny('unknown_device', 'no device with this identity');
  if (!identity.enabled) return deny('disabled', 'device disabled');
  if (identity.superuser) return { allow: true, superuser: true };
  const key = decisionKey(query);
  let verdict = identity.verdicts.get(key);
  if (!verdict) rememberVerdict(identity, key, (verdict = checkAcl(identity.acl, query)));
  return verdict.allow ? { allow: true, superuser: false } : deny('acl_denied', verdict.ruleIndex < 0 ? 'no rule matched' : `rule ${verdict.ruleIndex} denied`);
}
