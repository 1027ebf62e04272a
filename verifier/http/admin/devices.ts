/**
 * Admin routes for devices: create, page through, read (with credentials), patch, delete.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  Device,
  DeviceCreate,
  DeviceDetail,
  DeviceListQuery,
  DevicePage,
  DeviceParams,
  DevicePatch,
} from '../../../schemas/admin.js';
import type { DeviceAdmin } from '../../admin/index.js';
import { adminErrors, adminWriteErrors } from './responses.js';

const tags = ['devices'];

export const deviceRoutes: FastifyPluginAsyncZod<{ admin: DeviceAdmin }> = async (app, { admin }) => {
  app.get('/devices', { schema: { tags, querystring: DeviceListQuery, response: { 200: DevicePage, ...adminErrors } } }, async (request) =>
    admin.listDevices(request.query),
  );

  app.post('/devices', { schema: { tags, body: DeviceCreate, response: { 201: Device, ...adminWriteErrors } } }, async (request, reply) =>
    reply.code(201).send(await admin.createDevice(request.body)),
  );

  app.get('/devices/:id', { schema: { tags, params: DeviceParams, response: { 200: DeviceDetail, ...adminErrors } } }, async (request) =>
    admin.getDeviceDetail(request.params.id),
  );

  app.patch(
    '/devices/:id',
    { schema: { tags, params: DeviceParams, body: DevicePatch, response: { 200: Device, ...adminWriteErrors } } },
    async (request) => admin.patchDevice(request.params.id, request.body),
  );

  app.delete('/devices/:id', { schema: { tags, params: DeviceParams, response: { 204: z.null(), ...adminErrors } } }, async (request, reply) => {
    await admin.deleteDevice(request.params.id);
    return reply.code(204).send(null);
  });
};
