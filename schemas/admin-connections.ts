import { z } from 'zod';
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

export const ConnectionList = z.object({ items: z.array(ConnectedClient) }).strict();

export const ConnectionParams = z.object({ clientId: z.string().min(1).max(65535) }).strict();
