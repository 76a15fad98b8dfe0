import type { Viewer } from '../services/accounts.js';

/** Who a WebSocket belongs to, settled once at connection_init. */
export interface SocketAuth {
  viewer: Viewer | null;
  ip: string;
  /** Unique per connection; presence counts sockets by it. */
  socketId: string;
}
