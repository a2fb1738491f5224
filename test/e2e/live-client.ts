import { WebSocket } from 'ws';

/** A message of the `/live` feed. */
export interface Received {
  type: string;
  at: string;
  payload: Record<string, unknown>;
}

/** A live socket as a browser or API client would open it, with what it received. */
export interface LiveClient {
  socket: WebSocket;
  messages: Received[];
  /** Resolves with the first message (from now on, or already received) that matches. */
  next(match: (m: Received) => boolean): Promise<Received>;
  /** Resolves once the server said the feed is ready. */
  ready(): Promise<Received>;
  /** Resolves with the close code. */
  closed: Promise<number>;
}

/** Opens `/live` (or `options.path`) on the test server as if from `host`. */
export function openLive(port: number, host: string, options: { path?: string; protocols?: string[]; headers?: Record<string, string> } = {}): LiveClient {
  const socket = new WebSocket(`ws://127.0.0.1:${port}${options.path ?? '/live'}`, options.protocols ?? [], { headers: { Host: host, ...options.headers } });
  const messages: Received[] = [];
  let waiters: { match: (m: Received) => boolean; resolve: (m: Received) => void }[] = [];
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString('utf8')) as Received;
    messages.push(message);
    waiters = waiters.filter((w) => (w.match(message) ? (w.resolve(message), false) : true));
  });
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  socket.on('error', () => undefined);
  const next = (match: (m: Received) => boolean) =>
    new Promise<Received>((resolve) => {
      const seen = messages.find(match);
      if (seen) resolve(seen);
      else waiters.push({ match, resolve });
    });
  return { socket, messages, next, ready: () => next((m) => m.type === 'live.ready'), closed };
}
