import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { LISTEN_PATH, LISTEN_SUBPROTOCOL, type RecordingStream } from '@tero/telephony';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { KERNEL } from '../http/tokens';
import type { Kernel } from '../kernel';
import { routeUpgrade } from './upgrade-route';

/** ws's error for a frame above `maxPayload` (it closes the socket with 1009 itself). */
const FRAME_TOO_LARGE = 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';

/** ws `handleProtocols`: jambonz asks for `audio.jambonz.org`; a client asking for none is served too. */
export function selectListenSubprotocol(offered: Set<string>): string | false {
  return offered.has(LISTEN_SUBPROTOCOL) ? LISTEN_SUBPROTOCOL : false;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

/** Answers an upgrade with a plain HTTP refusal and closes the connection. */
function refuseUpgrade(socket: Duplex, status: 401 | 503, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  const reason = status === 401 ? 'Unauthorized' : 'Service Unavailable';
  const extra = status === 401 ? 'WWW-Authenticate: Basic realm="tero-listen", charset="UTF-8"\r\n' : '';
  socket.on('error', () => undefined);
  socket.end(`HTTP/1.1 ${status} ${reason}\r\n${extra}Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/**
 * `wss://<public host>/hooks/jambonz/listen`: where jambonz streams a recorded call's audio (the
 * `config.listen` verb). A WebSocket server of its own (`ws`, no server) on the application's HTTP server,
 * beside Nest's `/live`: the upgrade is routed by path before either sees it (see {@link routeUpgrade}).
 * The upgrade must carry the call's Basic credentials (401 otherwise, nothing written); frames above the
 * recording's limit are refused by `maxPayload` (closed 1009, what came before kept as partial). Each
 * socket feeds one `RecordingStream`. When the application stops, open streams are stored as partial
 * before the HTTP server closes.
 */
@Injectable()
export class ListenStreamsEndpoint implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private wss: WebSocketServer | null = null;
  private unroute: (() => void) | null = null;
  private readonly streams = new Map<WebSocket, RecordingStream>();
  private stopping = false;

  constructor(
    @Inject(KERNEL) private readonly kernel: Kernel,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  private get log() {
    return this.kernel.logger.child({ part: 'listen-streams' });
  }

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.kernel.recordings.service.maxFrameBytes,
      handleProtocols: selectListenSubprotocol,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.unroute = routeUpgrade(server, LISTEN_PATH, (request, socket, head) => this.upgrade(request, socket, head));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.unroute?.();
    this.unroute = null;
    const ending = [...this.streams.values()].map((stream) => stream.shutdown());
    await Promise.all(ending);
    for (const socket of this.streams.keys()) socket.terminate();
    this.streams.clear();
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const auth = this.kernel.recordings.auth.verify(request.headers.authorization);
    if (!auth.ok) {
      this.log.warn({ reason: auth.reason, remote: request.socket.remoteAddress }, 'listen stream refused: credentials');
      refuseUpgrade(socket, 401, `recordings.listen_auth_${auth.reason}`, 'this stream needs the Basic credentials of its call');
      return;
    }
    if (this.stopping || !this.wss) {
      refuseUpgrade(socket, 503, 'recordings.unavailable', 'the server is shutting down');
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.connected(ws, auth.callSid));
  }

  private connected(ws: WebSocket, callSid: string): void {
    const log = this.log.child({ callSid });
    const stream = this.kernel.recordings.service.stream(callSid, {
      close: (code, reason) => ws.close(code, reason),
      pause: () => ws.pause(),
      resume: () => ws.resume(),
    });
    this.streams.set(ws, stream);
    ws.on('message', (data, isBinary) => stream.message(toBuffer(data), isBinary));
    ws.on('error', (error: Error & { code?: string }) => {
      if (error.code === FRAME_TOO_LARGE) stream.oversize();
      else log.debug({ err: error }, 'listen stream error');
    });
    ws.on('close', (code) => {
      this.streams.delete(ws);
      void stream.closed(code).then((outcome) => {
        if (outcome.kind === 'stored') log.info({ recordingId: outcome.recordingId, callId: outcome.callId, status: outcome.status, durationMs: outcome.durationMs, partialReason: outcome.partialReason }, 'call recording stored');
        else if (outcome.kind === 'refused') log.warn({ reason: outcome.reason }, 'listen stream refused');
        else log.info({ kind: outcome.kind, reason: outcome.reason }, 'listen stream ended without a recording');
      });
    });
  }
}
