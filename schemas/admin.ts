/** Admin API contracts shared by routes, CLI and store. Secrets appear only in the response that creates them. */
export * from './admin-common.js';
export * from './admin-devices.js';
export * from './admin-access.js';
export * from './admin-import.js';
export * from './admin-keys.js';
export * from './admin-explain.js';
export * from './admin-connections.js';
