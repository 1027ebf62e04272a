/**
 * The command map: nouns, their verbs, one-line summaries, and lazy loaders, so starting the CLI
 * imports only the command that runs (nuxt/cli `commands/index.ts`). Help for a noun is built from
 * the summaries here without loading any command module.
 */
import type { OptionsSpec } from '../_args.js';
import type { Command } from '../_command.js';

type Loader = () => Promise<{ default: Command<OptionsSpec> }>;

export interface VerbEntry {
  summary: string;
  load: Loader;
}

export type NounEntry =
  | { summary: string; verbs: Record<string, VerbEntry> }
  | { summary: string; load: Loader };

/** Commands are typed by their own options; the map only needs to load and run them. */
const load = (loader: () => Promise<{ default: unknown }>): Loader => loader as Loader;

export const commands: Record<string, NounEntry> = {
  device: {
    summary: 'register and manage devices',
    verbs: {
      add: { summary: 'register a device', load: load(() => import('./device-add.js')) },
      list: { summary: 'list devices', load: load(() => import('./device-list.js')) },
      show: { summary: 'show one device and its credentials', load: load(() => import('./device-show.js')) },
      disable: { summary: 'refuse connections of a device', load: load(() => import('./device-disable.js')) },
      enable: { summary: 'accept connections of a device again', load: load(() => import('./device-enable.js')) },
      remove: { summary: 'delete a device and its credentials', load: load(() => import('./device-remove.js')) },
    },
  },
  token: {
    summary: 'device JWTs signed by the verifier',
    verbs: {
      issue: { summary: 'issue a JWT for a device (printed alone on stdout)', load: load(() => import('./token-issue.js')) },
      revoke: { summary: 'revoke a JWT by its jti', load: load(() => import('./token-revoke.js')) },
    },
  },
  password: {
    summary: 'device passwords',
    verbs: {
      set: { summary: 'add a password to a device (generated if omitted)', load: load(() => import('./password-set.js')) },
    },
  },
  cert: {
    summary: 'device X.509 certificates',
    verbs: {
      add: { summary: "register an existing certificate's fingerprint", load: load(() => import('./cert-add.js')) },
      issue: { summary: 'issue a certificate and key from the device CA', load: load(() => import('./cert-issue.js')) },
      revoke: { summary: 'revoke a certificate (or any credential) by id', load: load(() => import('./cert-revoke.js')) },
    },
  },
  acl: {
    summary: 'access rules for topics',
    verbs: {
      add: { summary: 'add a rule', load: load(() => import('./acl-add.js')) },
      list: { summary: 'list rules in evaluation order', load: load(() => import('./acl-list.js')) },
      remove: { summary: 'delete a rule', load: load(() => import('./acl-remove.js')) },
      explain: { summary: 'why a device may or may not use a topic', load: load(() => import('./acl-explain.js')) },
    },
  },
  group: {
    summary: 'device groups (optionally trusting an external JWT issuer)',
    verbs: {
      add: { summary: 'create a group', load: load(() => import('./group-add.js')) },
      list: { summary: 'list groups', load: load(() => import('./group-list.js')) },
      remove: { summary: 'delete a group', load: load(() => import('./group-remove.js')) },
    },
  },
  keys: {
    summary: "the verifier's JWT signing keys",
    verbs: {
      list: { summary: 'list signing keys', load: load(() => import('./keys-list.js')) },
      rotate: { summary: 'make a new key the active signing key', load: load(() => import('./keys-rotate.js')) },
      retire: { summary: 'stop accepting tokens signed by a key', load: load(() => import('./keys-retire.js')) },
    },
  },
  decisions: { summary: 'recent decisions (every deny, allows sampled), optionally followed', load: load(() => import('./decisions.js')) },
  import: { summary: 'register many devices from a CSV or JSON file', load: load(() => import('./import.js')) },
};
