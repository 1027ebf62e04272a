/** `__proto__` and `constructor.prototype` keys in any JSON body: merged later, they could reach a prototype. */
export class ForbiddenJsonKey extends Error {
  readonly code = 'validation';
  readonly statusCode = 400;
  readonly fields: Array<{ path: string; message: string }>;

  constructor(path: string, key: string) {
    const reason = `the key "${key}" is refused: it could change object prototypes`;
    super(`${path}: ${reason}`);
    this.name = 'ForbiddenJsonKey';
    this.fields = [{ path, message: reason }];
  }
}

/** Text that cannot hold a forbidden key, even escaped (`"\u005f_proto__"`), skips the walk. */
const MAY_HOLD_FORBIDDEN_KEY = /__proto__|constructor|\\u/;

export function refuseForbiddenKeys(text: string, value: unknown): void {
  if (MAY_HOLD_FORBIDDEN_KEY.test(text)) walkForForbiddenKeys(value);
}

/** Walks the parsed value without recursion (a body may nest thousands of levels). */
function walkForForbiddenKeys(root: unknown): void {
  const pending: Array<{ value: unknown; path: string }> = [{ value: root, path: 'body' }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, path } = next;
    if (typeof value !== 'object' || value === null) continue;
    for (const [key, child] of Object.entries(value)) {
      const childPath = `${path}.${key}`;
      if (key === '__proto__') throw new ForbiddenJsonKey(childPath, key);
      if (key === 'constructor' && typeof child === 'object' && child !== null && Object.hasOwn(child, 'prototype')) {
        throw new ForbiddenJsonKey(`${childPath}.prototype`, 'constructor.prototype');
      }
      pending.push({ value: child, path: childPath });
    }
  }
}
