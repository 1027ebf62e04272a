/**
 * Admin routes for ACL rules: create, list (optionally by subject), read, patch, delete.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Rule, RuleCreate, RuleParams, RulePatch } from '../../../schemas/admin.js';
import type { AccessAdmin } from '../../admin/index.js';
import { adminErrors, adminWriteErrors } from './responses.js';

const tags = ['rules'];

/** The subject filter as the operator writes it (`device:ID`, `group:NAME`, `all`, `anonymous`); the use case parses it. */
const RuleListQuery = z.object({ subject: z.string().max(140).optional() }).strict();

export const ruleRoutes: FastifyPluginAsyncZod<{ admin: AccessAdmin }> = async (app, { admin }) => {
  app.get('/rules', { schema: { tags, querystring: RuleListQuery, response: { 200: z.array(Rule), ...adminErrors } } }, async (request) =>
    admin.listRules(request.query),
  );

  app.post('/rules', { schema: { tags, body: RuleCreate, response: { 201: Rule, ...adminWriteErrors } } }, async (request, reply) =>
    reply.code(201).send(await admin.createRule(request.body)),
  );

  app.get('/rules/:id', { schema: { tags, params: RuleParams, response: { 200: Rule, ...adminErrors } } }, async (request) =>
    admin.getRule(request.params.id),
  );

  app.patch(
    '/rules/:id',
    { schema: { tags, params: RuleParams, body: RulePatch, response: { 200: Rule, ...adminWriteErrors } } },
    async (request) => admin.patchRule(request.params.id, request.body),
  );

  app.delete('/rules/:id', { schema: { tags, params: RuleParams, response: { 204: z.null(), ...adminErrors } } }, async (request, reply) => {
    await admin.deleteRule(request.params.id);
    return reply.code(204).send(null);
  });
};
