/**
 * Admin routes for groups: create, list, read, patch, delete.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Group, GroupCreate, GroupParams, GroupPatch } from '../../../schemas/admin.js';
import type { AccessAdmin } from '../../admin/index.js';
import { adminErrors, adminWriteErrors } from './responses.js';

const tags = ['groups'];

export const groupRoutes: FastifyPluginAsyncZod<{ admin: AccessAdmin }> = async (app, { admin }) => {
  app.get('/groups', { schema: { tags, response: { 200: z.array(Group), ...adminErrors } } }, async () => admin.listGroups());

  app.post('/groups', { schema: { tags, body: GroupCreate, response: { 201: Group, ...adminWriteErrors } } }, async (request, reply) =>
    reply.code(201).send(await admin.createGroup(request.body)),
  );

  app.get('/groups/:name', { schema: { tags, params: GroupParams, response: { 200: Group, ...adminErrors } } }, async (request) =>
    admin.getGroupView(request.params.name),
  );

  app.patch(
    '/groups/:name',
    { schema: { tags, params: GroupParams, body: GroupPatch, response: { 200: Group, ...adminWriteErrors } } },
    async (request) => admin.patchGroup(request.params.name, request.body),
  );

  app.delete('/groups/:name', { schema: { tags, params: GroupParams, response: { 204: z.null(), ...adminWriteErrors } } }, async (request, reply) => {
    await admin.deleteGroup(request.params.name);
    return reply.code(204).send(null);
  });
};
