/**
 * The devices the verifier benchmark provisions and then asks about, shared by the driver
 * (`verifier.ts`) and the server process (`verifier-server.ts`).
 *
 * @module scripts/bench/verifier-fixture
 */
export const DEVICE = 'bench-1';
export const PASSWORD = 'bench-password-0123';
export const SECRET = 'bench-webhook-secret-0123456789';
/**
 * Password logins use one device per in-flight request: attempts still being checked count against a
 * device's lockout budget (by design), so 32 concurrent logins of one device would be refused.
 */
export const PASSWORD_DEVICES = 32;
export const passwordDevice = (i: number) => `bench-pw-${i}`;
/**
 * Tokens issued for the first-verification case, each presented once: more than a 5 s run at the
 * signature-bound rate uses, so the case stops on time, not on running out.
 */
export const FIRST_TOKENS = 30_000;
