/**
 * Admin routes for a device's credentials: list, add (password or registered certificate), revoke, and
 * issue a certificate from the verifier's device CA (the private key is in that response only).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CertificateIssue,
  CertificateIssued,
  Credential,
  CredentialCreate,
  CredentialCreated,
  CredentialParams,
  DeviceParams,
} from '../../../schemas/admin.js';
import type { CertificateAdmin, CredentialAdmin } from '../../admin/index.js';
import { adminErrors, adminWriteErrors, optionalBody } from './responses.js';

type CredentialUseCases = Pick<CredentialAdmin, 'listCredentials' | 'addCredential' | 'revokeCredential'> & Pick<CertificateAdmin, 'issueCertificate'>;

const tags = ['credentials'];

export const credentialRoutes: FastifyPluginAsyncZod<{ admin: CredentialUseCases }> = async (app, { admin }) => {
  app.get(
    '/devices/:id/credentials',
    { schema: { tags, params: DeviceParams, response: { 200: z.array(Credential), ...adminErrors } } },
    async (request) => admin.listCredentials(request.params.id),
  );

  app.post(
    '/devices/:id/credentials',
    { schema: { tags, params: DeviceParams, body: CredentialCreate, response: { 201: CredentialCreated, ...adminWriteErrors } } },
    async (request, reply) => reply.code(201).send(await admin.addCredential(request.params.id, request.body)),
  );

  app.post(
    '/devices/:id/credentials/:credentialId/revoke',
    { schema: { tags, params: CredentialParams, response: { 200: Credential, ...adminErrors } } },
    async (request) => admin.revokeCredential(request.params.id, request.params.credentialId),
  );

  app.post(
    '/devices/:id/certificates',
    { schema: { tags, params: DeviceParams, body: optionalBody(CertificateIssue), response: { 201: CertificateIssued, ...adminWriteErrors } } },
    async (request, reply) => reply.code(201).send(await admin.issueCertificate(request.params.id, request.body)),
  );
};
