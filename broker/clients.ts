import type { ConnectedClient, ConnectionListQuery, ConnectionPage } from '../schemas/index.js';
import { RC } from './reason-codes.js';
import type { BrokerState, Connection } from './state.js';

const PROTOCOLS = { 3: 'mqtt31', 4: 'mqtt311', 5: 'mqtt5' } as const;

/** One page of the connected clients in client-id order, after `cursor`, of one device if asked. */
export function listClients(core: BrokerState, query: ConnectionListQuery): ConnectionPage {
  const { cursor, device, limit } = query;
  const matching: Connection[] = [];
  for (const c of core.connections) {
    if (c.state !== 'connected' || (cursor !== undefined && c.clientId <= cursor)) continue;
    if (device !== undefined && c.auth?.deviceId !== device) continue;
    matching.push(c);
  }
  matching.sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
  const page = matching.slice(0, limit);
  return { items: page.map(describe), nextCursor: matching.length > limit ? page.at(-1)!.clientId : null };
}

function describe(c: Connection): ConnectedClient {
  return {
    clientId: c.clientId,
    deviceId: c.auth?.deviceId ?? null,
    protocol: PROTOCOLS[c.version],
    transport: c.info.transport,
    peerAddress: c.info.peerAddress,
    connectedAt: new Date(c.openedAt).toISOString(),
    subscriptions: c.session?.subscriptions?.size ?? 0,
  };
}

/** 5.0 clients get DISCONNECT 0x98 (administrative action); false when the client id is not connected. */
export function disconnectClient(core: BrokerState, clientId: string): boolean {
  for (const c of core.connections) {
    if (c.state === 'connected' && c.clientId === clientId) {
      c.disconnect(RC.administrativeAction, 'disconnected by an operator');
      return true;
    }
  }
  return false;
}
