/**
 * The provisioning CLI `arra-mq`: a client of the verifier's admin API. Its public face is the entry
 * point (for `bin/arra-mq.js` and for tests that run it in-process), the exit codes and the errors.
 */
export { main } from './main.js';
export { EXIT, type ExitCode } from './_exit-codes.js';
export * from './_errors.js';
