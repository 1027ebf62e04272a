/**
 * The registry as the core sees it: every read that throws becomes a `StoreUnavailableError`, so the
 * steps never mistake a broken store for a missing record and the callers can tell a fault from a deny.
 */
import { StoreUnavailableError } from './errors.js';
import type { RegistryStore } from './ports.js';

type Reads = Exclude<keyof RegistryStore, 'onChange'>;

function guard<K extends Reads>(registry: RegistryStore, name: K): RegistryStore[K] {
  const read = registry[name] as (...args: unknown[]) => unknown;
  return ((...args: unknown[]) => {
    try {
      return read.apply(registry, args);
    } catch (err) {
      throw new StoreUnavailableError(`registry ${name} failed`, { cause: err });
    }
  }) as RegistryStore[K];
}

export function guardRegistry(registry: RegistryStore): RegistryStore {
  return {
    getDevice: guard(registry, 'getDevice'),
    getGroup: guard(registry, 'getGroup'),
    getGroupsByIssuer: guard(registry, 'getGroupsByIssuer'),
    listPasswordCredentials: guard(registry, 'listPasswordCredentials'),
    listCertificates: guard(registry, 'listCertificates'),
    findCertificate: guard(registry, 'findCertificate'),
    getToken: guard(registry, 'getToken'),
    rulesFor: guard(registry, 'rulesFor'),
    onChange: (listener) => registry.onChange(listener),
  };
}
