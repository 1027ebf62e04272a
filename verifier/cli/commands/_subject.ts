/**
 * The subject flags `acl add` and `acl list` share: `--device ID | --group G | --all | --anonymous`,
 * at most one of them.
 */
import type { AclSubject } from '../../../schemas/acl.js';
import type { OptionsSpec } from '../_args.js';
import { UsageError } from '../_errors.js';

export const subjectOptions = {
  device: { type: 'string', valueName: 'ID', description: 'the rule is for device ID' },
  group: { type: 'string', valueName: 'G', description: 'the rule is for every member of group G' },
  all: { type: 'boolean', description: 'the rule is for every authenticated device' },
  anonymous: { type: 'boolean', description: 'the rule is for clients without credentials' },
} as const satisfies OptionsSpec;

interface SubjectValues {
  device?: string | undefined;
  group?: string | undefined;
  all?: boolean | undefined;
  anonymous?: boolean | undefined;
}

/** The one subject given, or undefined when none is; two or more is a usage error. */
export function subjectFrom(values: SubjectValues, usage: string): AclSubject | undefined {
  const given: AclSubject[] = [];
  if (values.device !== undefined) given.push({ kind: 'device', id: values.device });
  if (values.group !== undefined) given.push({ kind: 'group', name: values.group });
  if (values.all) given.push({ kind: 'all' });
  if (values.anonymous) given.push({ kind: 'anonymous' });
  if (given.length > 1) throw new UsageError('give only one of --device, --group, --all, --anonymous', usage);
  return given[0];
}
