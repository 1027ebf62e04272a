export const DEVICE = 'bench-1';
export const PASSWORD = 'bench-password-0123';
export const SECRET = 'bench-webhook-secret-0123456789';
/** One device per in-flight login: attempts being checked count against a device's lockout budget. */
export const PASSWORD_DEVICES = 32;
export const passwordDevice = (i: number) => `bench-pw-${i}`;
/** Each presented once: more than a 5 s run uses, so the case stops on time, not on running out. */
export const FIRST_TOKENS = 30_000;
