import type { IncomingMessage } from 'node:http';
import { Inject, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { type OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import { KERNEL } from '../http/tokens';
import type { Kernel } from '../kernel';
import { admitLiveSocket } from './live-admission';
import { LiveHub, type LiveSocket } from './live-hub';
import { LIVE_PATH, LIVE_SUBPROTOCOL } from './live-protocol';

/** How often live sockets are pinged; one missed answer and the socket is dropped at the next round. */
const LIVE_HEARTBEAT_MS = 30_000;
/** A socket whose unsent backlog passes this is closed (a client that stopped reading). */
const MAX_BUFFERED_BYTES = 1_048_576;
/** Clients only send pings; anything larger is not ours. */
const MAX_CLIENT_FRAME_BYTES = 4096;

/** ws `handleProtocols`: picks the live subprotocol, so that a `bearer.<jwt>` entry is never echoed back. */
export function selectLiveSubprotocol(offered: Set<string>): string | false {
  return offered.has(LIVE_SUBPROTOCOL) ? LIVE_SUBPROTOCOL : false;
}

/**
 * The live feed at `/live` (WebSocket, through `@nestjs/platform-ws` on Fastify's HTTP server): each
 * socket is authenticated by session cookie or bearer token on its tenant host, then receives the domain
 * events its principal may see as `{type, at, payload}` JSON. A refused socket is closed with a 44xx code
 * (see `LiveCloseCode`). Events of every replica arrive through the event bus, which fans out over Redis.
 */
@WebSocketGateway({ path: LIVE_PATH, maxPayload: MAX_CLIENT_FRAME_BYTES, handleProtocols: selectLiveSubprotocol })
export class LiveGateway implements OnGatewayConnection, OnModuleInit, OnModuleDestroy {
  readonly hub: LiveHub;
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(@Inject(KERNEL) private readonly kernel: Kernel) {
    this.hub = new LiveHub(kernel.events, kernel.logger.child({ part: 'live' }), { maxBufferedBytes: MAX_BUFFERED_BYTES });
  }

  onModuleInit(): void {
    this.hub.start();
    this.heartbeat = setInterval(() => this.hub.heartbeat(), LIVE_HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  onModuleDestroy(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.hub.close();
  }

  async handleConnection(socket: LiveSocket, request: IncomingMessage): Promise<void> {
    try {
      const admission = await admitLiveSocket(this.kernel, request);
      if (!admission.admitted) {
        socket.close(admission.closeCode, admission.reason);
        return;
      }
      this.hub.add(socket, admission.audience);
    } catch (err) {
      this.kernel.logger.error({ err, part: 'live' }, 'live socket admission failed');
      socket.close(1011, 'internal error');
    }
  }
}
