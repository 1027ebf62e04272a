/**
 * The rights of one identity now, without a credential (`RightsRequest`): what a broker asks about a
 * session it keeps for an identity that is not connected. Registry reads only; no lockout, no cache
 * (brokers ask this only after a change, and per stored session, not per message).
 */
import type { Deny, DenyReason, RightsDecision, RightsRequest } from '../../schemas/index.js';
import { compileAcl } from './compile-acl.js';
import type { DeciderConfig } from './types.js';
import type { RegistryStore } from './ports.js';

function deny(reason: DenyReason, message: string): Deny {
  return { allow: false, reason, message };
}

export function decideRights(registry: RegistryStore, config: DeciderConfig, request: RightsRequest): RightsDecision {
  const values = { clientId: request.clientId, username: request.username ?? null };
  if (request.deviceId === null) {
    if (!config.allowAnonymous) return deny('no_credentials', 'anonymous access is off');
    return { allow: true, superuser: false, acl: compileAcl(registry.rulesFor(null), { ...values, deviceId: null }, config.aclNoMatch) };
  }
  const device = registry.getDevice(request.deviceId);
  // Another incarnation is another device that happens to have the same id.
  if (!device || device.incarnation !== request.incarnation) return deny('unknown_device', 'no such device (or it was created again)');
  if (!device.enabled) return deny('disabled', device.disabledReason ?? 'device disabled');
  if (request.username !== undefined && request.username !== device.id) return deny('bad_credentials', 'username names another device');
  const acl = compileAcl(registry.rulesFor(device), { ...values, deviceId: device.id }, config.aclNoMatch);
  return { allow: true, superuser: device.superuser, acl };
}
