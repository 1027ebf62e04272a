/**
 * Where the real brokers of the live interop suite are: `ARRA_INTEROP_DIR`, else `../shared/interop/`
 * beside the checkout (NanoMQ and the mosquitto-go-auth plugin, built from their public sources; they
 * are test tools, never part of the product). Debian's `mosquitto` and `mosquitto-clients` come from
 * apt (`.ci/run`). Whatever is missing gives a skip reason naming it, so a user's fresh clone skips the
 * live suite instead of failing it.
 *
 * @module broker-adapters/test/live/interop
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root (this file is `broker-adapters/test/live/interop.ts`). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function interopDir(): string {
  return process.env.ARRA_INTEROP_DIR ?? resolve(REPO_ROOT, '..', 'shared', 'interop');
}

export interface Tools {
  nanomq: string;
  goAuthPlugin: string;
  mosquitto: string;
}

/** A binary's path, or null when it is absent or not executable. */
function executable(path: string): string | null {
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return null;
  }
}

/** The first executable `name` on PATH (plus /usr/sbin, where Debian puts `mosquitto`). */
export function onPath(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin'].filter(Boolean);
  for (const dir of dirs) {
    const found = executable(join(dir, name));
    if (found) return found;
  }
  return null;
}

/** Why the NanoMQ tests cannot run here, or null when they can. */
export function nanomqMissing(): string | null {
  const dir = interopDir();
  if (!executable(join(dir, 'nanomq'))) return `no NanoMQ executable at ${join(dir, 'nanomq')} (set ARRA_INTEROP_DIR)`;
  return clientsMissing();
}

/** Why the Mosquitto + go-auth tests cannot run here, or null when they can. */
export function goAuthMissing(): string | null {
  const plugin = join(interopDir(), 'go-auth.so');
  if (!existsSync(plugin)) return `no mosquitto-go-auth plugin at ${plugin} (set ARRA_INTEROP_DIR)`;
  if (!onPath('mosquitto')) return 'mosquitto is not installed (apt-get install mosquitto)';
  return clientsMissing();
}

function clientsMissing(): string | null {
  if (!onPath('mosquitto_pub') || !onPath('mosquitto_sub')) return 'mosquitto_pub/mosquitto_sub are not installed (apt-get install mosquitto-clients)';
  return null;
}

/** The tools, once `nanomqMissing()` / `goAuthMissing()` said they are there. */
export function tools(): Tools {
  return {
    nanomq: join(interopDir(), 'nanomq'),
    goAuthPlugin: join(interopDir(), 'go-auth.so'),
    mosquitto: onPath('mosquitto') ?? 'mosquitto',
  };
}
