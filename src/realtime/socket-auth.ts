import type { Viewer } from '../services/accounts.js';

/** Who a WebSocket belongs to, settled once at connection_init. */
export interface SocketAuth {
  viewer: Viewer | null;
  ip: string;
}
