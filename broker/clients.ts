import type { ConnectedClient } from '../schemas/index.js';
import { RC } from './reason-codes.js';
import type { BrokerState } from './state.js';

const PROTOCOLS = { 3: 'mqtt31', 4: 'mqtt311', 5: 'mqtt5' } as const;

export function listClients(core: BrokerState): ConnectedClient[] {
  const clients: ConnectedClient[] = [];
  for (const c of core.connections) {
    if (c.state !== 'connected') continue;
    clients.push({
      clientId: c.clientId,
      deviceId: c.auth?.deviceId ?? null,
      protocol: PROTOCOLS[c.version],
      transport: c.info.transport,
      peerAddress: c.info.peerAddress,
      connectedAt: new Date(c.openedAt).toISOString(),
      subscriptions: c.session?.subscriptions?.size ?? 0,
    });
  }
  return clients;
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
