import { z } from 'zod';
import { DeviceId } from './common.js';
import { MqttProtocol } from './decision.js';

export const ConnectedClient = z
  .object({
    clientId: z.string(),
    /** The identity it authenticated as; null: anonymous. */
    deviceId: z.string().nullable(),
    protocol: MqttProtocol,
    transport: z.enum(['tcp', 'tls', 'ws', 'wss']),
    peerAddress: z.string(),
    connectedAt: z.string(),
    subscriptions: z.number().int(),
  })
  .strict();
export type ConnectedClient = z.infer<typeof ConnectedClient>;

const ClientId = z.string().min(1).max(65535);

/** Keyset paging by client id (code-unit order): `cursor` is the `nextCursor` of the previous page. */
export const ConnectionListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: ClientId.optional(),
    /** Only the clients that authenticated as this device. */
    device: DeviceId.optional(),
  })
  .strict();
export type ConnectionListQuery = z.output<typeof ConnectionListQuery>;

export const ConnectionPage = z.object({ items: z.array(ConnectedClient), nextCursor: ClientId.nullable() }).strict();
export type ConnectionPage = z.infer<typeof ConnectionPage>;

export const ConnectionParams = z.object({ clientId: ClientId }).strict();
