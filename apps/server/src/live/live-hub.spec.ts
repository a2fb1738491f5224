import { EventEmitter } from 'node:events';
import { ALL_EVENTS, type EventBus, type EventHandler, type PublishedEvent } from '@tero/core';
import pino from 'pino';
import { LiveHub, type LiveSocket } from './live-hub';

/** A socket that records what the hub does to it. */
class FakeSocket extends EventEmitter implements LiveSocket {
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: { type: string; at: string; payload: unknown }[] = [];
  pings = 0;
  closedWith: number | null = null;
  terminated = false;
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  ping(): void {
    this.pings++;
  }
  close(code?: number): void {
    this.closedWith = code ?? 1000;
    this.readyState = 3;
    this.emit('close');
  }
  terminate(): void {
    this.terminated = true;
    this.readyState = 3;
    this.emit('close');
  }
  types(): string[] {
    return this.sent.map((m) => m.type);
  }
}

/** A bus whose one subscriber is called at once, so the spec needs no waiting. */
function fakeBus() {
  const subscribers = new Map<string, EventHandler>();
  const bus: EventBus & { emit(event: Omit<PublishedEvent, 'id' | 'at'>): void; subscribers: Map<string, EventHandler> } = {
    subscribers,
    subscribe(type, handler) {
      subscribers.set(type, handler);
      return () => subscribers.delete(type);
    },
    publish: async () => {
      throw new Error('not used');
    },
    close: async () => undefined,
    emit(event) {
      void subscribers.get(ALL_EVENTS)?.({ ...event, id: 'e', at: '2026-03-01T10:00:00.000Z' });
    },
  };
  return bus;
}

const silent = pino({ level: 'silent' });

describe('LiveHub', () => {
  let bus: ReturnType<typeof fakeBus>;
  let hub: LiveHub;
  beforeEach(() => {
    bus = fakeBus();
    hub = new LiveHub(bus, silent, { maxBufferedBytes: 1000 });
    hub.start();
  });

  it('sends each event only to the sockets whose audience sees it, as {type, at, payload}', () => {
    const clientA = new FakeSocket();
    const clientB = new FakeSocket();
    const brand = new FakeSocket();
    const otherBrand = new FakeSocket();
    const operator = new FakeSocket();
    hub.add(clientA, { kind: 'client', brandId: 'b1', clientId: 'a' });
    hub.add(clientB, { kind: 'client', brandId: 'b1', clientId: 'b' });
    hub.add(brand, { kind: 'brand', brandId: 'b1' });
    hub.add(otherBrand, { kind: 'brand', brandId: 'b2' });
    hub.add(operator, { kind: 'instance' });

    bus.emit({ type: 'call.started', brandId: 'b1', clientId: 'a', payload: { callId: 'c1' } });
    bus.emit({ type: 'brand.updated', brandId: 'b1', clientId: null, payload: {} });

    expect(clientA.types()).toEqual(['live.ready', 'call.started']);
    expect(clientA.sent[1]).toEqual({ type: 'call.started', at: '2026-03-01T10:00:00.000Z', payload: { callId: 'c1' } });
    expect(clientB.types()).toEqual(['live.ready']);
    expect(brand.types()).toEqual(['live.ready', 'call.started', 'brand.updated']);
    expect(otherBrand.types()).toEqual(['live.ready']);
    expect(operator.types()).toEqual(['live.ready', 'call.started', 'brand.updated']);
  });

  it('sends the dashboard’s analytics.summary_changed only to the client’s own sockets and its brand’s', () => {
    const mine = new FakeSocket();
    const other = new FakeSocket();
    const otherBrand = new FakeSocket();
    hub.add(mine, { kind: 'client', brandId: 'b1', clientId: 'a' });
    hub.add(other, { kind: 'client', brandId: 'b1', clientId: 'b' });
    hub.add(otherBrand, { kind: 'brand', brandId: 'b2' });
    bus.emit({ type: 'analytics.summary_changed', brandId: 'b1', clientId: 'a', payload: { dates: ['2026-03-09'] } });
    expect(mine.sent[1]).toEqual({ type: 'analytics.summary_changed', at: '2026-03-01T10:00:00.000Z', payload: { dates: ['2026-03-09'] } });
    expect(other.types()).toEqual(['live.ready']);
    expect(otherBrand.types()).toEqual(['live.ready']);
  });

  it('does not send a client’s event to a socket of the same client id under another brand', () => {
    const socket = new FakeSocket();
    hub.add(socket, { kind: 'client', brandId: 'b2', clientId: 'a' });
    bus.emit({ type: 'call.started', brandId: 'b1', clientId: 'a', payload: {} });
    expect(socket.types()).toEqual(['live.ready']);
  });

  it('forgets a socket when it closes, and stops listening to the bus when closed', () => {
    const socket = new FakeSocket();
    hub.add(socket, { kind: 'client', brandId: 'b1', clientId: 'a' });
    expect(hub.size).toBe(1);
    socket.close();
    expect(hub.size).toBe(0);
    bus.emit({ type: 'call.started', brandId: 'b1', clientId: 'a', payload: {} });
    expect(socket.types()).toEqual(['live.ready']);

    const open = new FakeSocket();
    hub.add(open, { kind: 'instance' });
    hub.close();
    expect(open.closedWith).toBe(1001);
    expect(hub.size).toBe(0);
    expect(bus.subscribers.size).toBe(0);
  });

  it('listens to the bus only while a socket is connected', () => {
    expect(bus.subscribers.size).toBe(0);
    const first = new FakeSocket();
    const second = new FakeSocket();
    hub.add(first, { kind: 'instance' });
    hub.add(second, { kind: 'client', brandId: 'b1', clientId: 'a' });
    expect(bus.subscribers.size).toBe(1);
    first.close();
    bus.emit({ type: 'call.started', brandId: 'b1', clientId: 'a', payload: {} });
    expect(second.types()).toEqual(['live.ready', 'call.started']);
    second.close();
    expect(bus.subscribers.size).toBe(0);
    const again = new FakeSocket();
    hub.add(again, { kind: 'instance' });
    bus.emit({ type: 'call.ended', brandId: 'b1', clientId: 'a', payload: {} });
    expect(again.types()).toEqual(['live.ready', 'call.ended']);
  });

  it('does not register a socket that closed while it was being authenticated', () => {
    const socket = new FakeSocket();
    socket.readyState = 3;
    hub.add(socket, { kind: 'instance' });
    expect(hub.size).toBe(0);
    expect(socket.sent).toEqual([]);
  });

  it('answers a client’s {"type":"ping"} with live.pong and ignores other frames', () => {
    const socket = new FakeSocket();
    hub.add(socket, { kind: 'instance' });
    socket.emit('message', Buffer.from('{"type":"ping"}'));
    socket.emit('message', Buffer.from('not json'));
    socket.emit('message', Buffer.from('{"type":"subscribe"}'));
    expect(socket.types()).toEqual(['live.ready', 'live.pong']);
  });

  it('heartbeat: pings every socket, and terminates one that did not answer the previous ping', () => {
    const answering = new FakeSocket();
    const silentPeer = new FakeSocket();
    hub.add(answering, { kind: 'instance' });
    hub.add(silentPeer, { kind: 'instance' });

    hub.heartbeat();
    expect([answering.pings, silentPeer.pings]).toEqual([1, 1]);
    answering.emit('pong');
    hub.heartbeat();

    expect(answering.terminated).toBe(false);
    expect(answering.pings).toBe(2);
    expect(silentPeer.terminated).toBe(true);
    expect(hub.size).toBe(1);
  });

  it('closes a socket whose backlog passed the limit instead of buffering without end', () => {
    const slow = new FakeSocket();
    hub.add(slow, { kind: 'instance' });
    slow.bufferedAmount = 5000;
    bus.emit({ type: 'call.started', brandId: 'b1', clientId: 'a', payload: {} });
    expect(slow.closedWith).toBe(4408);
    expect(slow.types()).toEqual(['live.ready']);
    expect(hub.size).toBe(0);
  });
});
