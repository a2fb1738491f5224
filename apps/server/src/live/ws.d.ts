// Types for the `ws` package (installed with @nestjs/platform-ws, which ships no types for it, and
// @types/ws is not a dependency): only the client surface Tero's code and tests use.
declare module 'ws' {
  import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
  import { EventEmitter } from 'node:events';

  export interface ClientOptions {
    headers?: OutgoingHttpHeaders;
    handshakeTimeout?: number;
  }

  export class WebSocket extends EventEmitter {
    static readonly CONNECTING: 0;
    static readonly OPEN: 1;
    static readonly CLOSING: 2;
    static readonly CLOSED: 3;
    constructor(address: string, protocols?: string | string[], options?: ClientOptions);
    readonly readyState: 0 | 1 | 2 | 3;
    readonly bufferedAmount: number;
    /** The subprotocol the server selected ('' when none). */
    readonly protocol: string;
    send(data: string | Buffer, callback?: (error?: Error) => void): void;
    ping(data?: Buffer, mask?: boolean, callback?: (error?: Error) => void): void;
    close(code?: number, reason?: string | Buffer): void;
    terminate(): void;
    on(event: 'open', listener: () => void): this;
    on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
    on(event: 'close', listener: (code: number, reason: Buffer) => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
    on(event: 'ping' | 'pong', listener: (data: Buffer) => void): this;
    on(event: 'unexpected-response', listener: (request: ClientRequest, response: IncomingMessage) => void): this;
    once(event: 'open', listener: () => void): this;
    once(event: 'close', listener: (code: number, reason: Buffer) => void): this;
    once(event: 'error', listener: (error: Error) => void): this;
  }
  export default WebSocket;
}
