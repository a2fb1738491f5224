import { ALL_EVENTS, type EventBus, type PublishedEvent } from '@tero/core';
import type { Logger } from 'pino';
import { type LiveAudience, audienceSees } from './live-audience';
import { LiveCloseCode, controlMessage, eventMessage, parseClientMessage } from './live-protocol';

/** The part of a `ws` WebSocket the hub uses (a fake in unit tests). */
export interface LiveSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  ping(): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  on(event: 'pong', listener: () => void): unknown;
  on(event: 'message', listener: (data: unknown) => void): unknown;
  once(event: 'close', listener: () => void): unknown;
}

/** `WebSocket.OPEN` of the `ws` package (and of the browser API). */
const OPEN = 1;

export interface LiveHubOptions {
  /** Backlog (bytes not yet written to the network) past which a socket is closed as too slow. */
  maxBufferedBytes: number;
}

interface Member {
  audience: LiveAudience;
  /** Whether the socket answered the last heartbeat ping. */
  alive: boolean;
}

/**
 * The live sockets of this process and what each may see. While at least one socket is connected it
 * holds one subscription to every event of the bus (with Redis, the bus already brings other replicas'
 * events here) and hands each event to the sockets whose audience sees it: a client's sockets are found
 * by client id, a brand's by brand id, so an event costs the sockets that receive it, not all of them.
 * With no socket it does not listen at all, so that the call path's events, published on every hook,
 * cost no delivery when nobody watches.
 */
export class LiveHub {
  private readonly members = new Map<LiveSocket, Member>();
  private readonly byClient = new Map<string, Set<LiveSocket>>();
  private readonly byBrand = new Map<string, Set<LiveSocket>>();
  private readonly instanceWide = new Set<LiveSocket>();
  private unsubscribe: (() => void) | null = null;
  private started = false;

  constructor(
    private readonly events: EventBus,
    private readonly logger: Logger,
    private readonly options: LiveHubOptions,
  ) {}

  /** Lets the hub listen to the bus, from the first socket connected to the last one gone. */
  start(): void {
    this.started = true;
    this.listen();
  }

  /** How many sockets are connected. */
  get size(): number {
    return this.members.size;
  }

  /**
   * Registers an authenticated socket, says `live.ready`, answers its pings, and forgets it when it
   * closes. A socket that closed while it was being authenticated is not registered.
   */
  add(socket: LiveSocket, audience: LiveAudience): void {
    if (socket.readyState !== OPEN || this.members.has(socket)) return;
    const member: Member = { audience, alive: true };
    this.members.set(socket, member);
    this.audienceSet(member.audience, true).add(socket);
    this.listen();
    socket.once('close', () => this.remove(socket));
    socket.on('pong', () => {
      member.alive = true;
    });
    socket.on('message', (data) => {
      if (parseClientMessage(data) === 'ping') this.send(socket, controlMessage('live.pong', null));
    });
    this.send(socket, controlMessage('live.ready', { audience }));
  }

  /** Forgets a socket (it closed). */
  remove(socket: LiveSocket): void {
    const member = this.members.get(socket);
    if (!member) return;
    this.members.delete(socket);
    const { audience } = member;
    const set = this.audienceSet(audience, false);
    set.delete(socket);
    if (set.size === 0 && audience.kind === 'client') this.byClient.delete(audience.clientId);
    if (set.size === 0 && audience.kind === 'brand') this.byBrand.delete(audience.brandId);
    this.listen();
  }

  /**
   * One heartbeat round: a socket that has not answered the previous ping is dead (a peer that vanished
   * without closing) and is terminated; the others are pinged again. The gateway runs this on a timer.
   */
  heartbeat(): void {
    for (const [socket, member] of this.members) {
      if (!member.alive) {
        socket.terminate();
        this.remove(socket);
        continue;
      }
      member.alive = false;
      socket.ping();
    }
  }

  /** Stops listening and closes every socket with "going away", so that clients reconnect elsewhere. */
  close(): void {
    this.started = false;
    this.listen();
    for (const socket of [...this.members.keys()]) {
      socket.close(LiveCloseCode.goingAway, 'server shutting down');
      this.remove(socket);
    }
  }

  /** Subscribes to the bus when started with a socket connected, and lets go otherwise. */
  private listen(): void {
    const wanted = this.started && this.members.size > 0;
    if (wanted && !this.unsubscribe) this.unsubscribe = this.events.subscribe(ALL_EVENTS, (event) => this.dispatch(event));
    else if (!wanted && this.unsubscribe) {
      this.unsubscribe();
      this.unsubscribe = null;
    }
  }

  private dispatch(event: PublishedEvent): void {
    const targets = [...this.instanceWide, ...(this.byBrand.get(event.brandId) ?? [])];
    if (event.clientId) targets.push(...(this.byClient.get(event.clientId) ?? []));
    if (targets.length === 0) return;
    const message = eventMessage(event);
    for (const socket of targets) {
      const member = this.members.get(socket);
      if (member && audienceSees(member.audience, event)) this.send(socket, message);
    }
  }

  private send(socket: LiveSocket, message: string): void {
    if (socket.readyState !== OPEN) return;
    if (socket.bufferedAmount > this.options.maxBufferedBytes) {
      this.logger.warn({ bufferedAmount: socket.bufferedAmount }, 'live socket too slow, closed');
      socket.close(LiveCloseCode.tooSlow, 'too slow');
      this.remove(socket);
      return;
    }
    socket.send(message);
  }

  /** The index set of an audience; with `create`, made when missing (else an empty stand-in). */
  private audienceSet(audience: LiveAudience, create: boolean): Set<LiveSocket> {
    if (audience.kind === 'instance') return this.instanceWide;
    const [map, key] = audience.kind === 'client' ? [this.byClient, audience.clientId] : [this.byBrand, audience.brandId];
    let set = map.get(key);
    if (!set) {
      set = new Set();
      if (create) map.set(key, set);
    }
    return set;
  }
}
