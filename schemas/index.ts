/** The wire contracts of ARRA-MQ: TypeScript types, run-time validation, JSON Schema and OpenAPI. */
export * from './common.js';
export * from './acl.js';
export * from './decision.js';
export * from './admin.js';
