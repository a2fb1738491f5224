import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** The path of an upgrade request, as `@nestjs/platform-ws` reads it (so that both agree on what is whose). */
export function upgradePath(request: IncomingMessage): string | null {
  try {
    return new URL(request.url ?? '/', 'ws://localhost/').pathname;
  } catch {
    return null;
  }
}

/**
 * Gives the upgrades for `path` to `handler`, and every other upgrade to the listeners the server had
 * (Nest's WsAdapter for `/live`). Needed because the WsAdapter's listener destroys any upgrade whose path
 * none of its gateways has, so two listeners side by side would lose ours. Call it once the gateways are
 * bound (application bootstrap). Returns the undo.
 */
export function routeUpgrade(server: Server, path: string, handler: UpgradeHandler): () => void {
  const others = server.listeners('upgrade') as UpgradeHandler[];
  server.removeAllListeners('upgrade');
  const route: UpgradeHandler = (request, socket, head) => {
    if (upgradePath(request) === path) {
      handler(request, socket, head);
      return;
    }
    // What Node does when nobody listens for upgrades.
    if (others.length === 0) socket.destroy();
    for (const other of others) other.call(server, request, socket, head);
  };
  server.on('upgrade', route);
  return () => {
    server.off('upgrade', route);
    for (const other of others) server.on('upgrade', other);
  };
}
