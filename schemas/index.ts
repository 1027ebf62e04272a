/**
 * The wire contracts of ARRA-MQ: one source of truth for TypeScript types, runtime validation,
 * JSON Schema and the OpenAPI document.
 *
 * @module schemas
 */
export * from './common.js';
export * from './acl.js';
export * from './decision.js';
export * from './topic.js';
export * from './acl-check.js';
export * from './admin.js';
