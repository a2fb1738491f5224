// Live-event latency for `npm run bench -- analytics`: N simulated calls at once, each driven by signed
// jambonz hooks (a call hook, two turns, the `completed` status, with the simulator's payloads) paced as
// a conversation is (a pause between hooks, callers starting at different moments, so that N calls are in
// progress at any time without all ending in the same millisecond), and one WebSocket client of the
// client's owner subscribed on /live; the latency is from sending `completed` to receiving that call's
// `call.ended`. The baseline `redis-pubsub` is the floor under it: a bare publish → subscribe on the same
// Redis, N publishers at once with the same pauses.
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const dist = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'dist');
const { WebSocket } = require('ws');

/** How long an event may take before it counts as missed. */
const EVENT_TIMEOUT_MS = 10_000;

/** A pause of `pauseMs` [min, max] ms, uniformly drawn. */
const pause = ([min, max]) => new Promise((done) => setTimeout(done, min + Math.random() * (max - min)));
/** Questions that end no call and book nothing (200 callers booking the same slot would measure the calendar's locks). */
const TURNS = ['What are your opening hours?', 'Where are you located?'];

/** Resolves when the socket got `live.ready`; rejects on a close or an error first. */
function openLive({ port, host, token, onEvent }) {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/live`, ['tero-live.v1', `bearer.${token}`], { headers: { Host: host } });
  return new Promise((ready, fail) => {
    socket.on('message', (data) => {
      const received = performance.now();
      const message = JSON.parse(String(data));
      if (message.type === 'live.ready') ready(socket);
      else onEvent(message, received);
    });
    socket.once('close', (code) => fail(new Error(`/live closed with ${code} before it was ready`)));
    socket.once('error', fail);
  });
}

/**
 * @param {{ port: number, host: string, token: string, target: { number: string, secret: string, accountSid: string }, concurrency: number, callsPerCaller: number, pauseMs: [number, number] }} options
 * @returns {Promise<{ latencies: number[], calls: number, missed: number, errors: number, errorSamples: string[], elapsedMs: number }>}
 */
export async function liveEventLatency({ port, host, token, target, concurrency, callsPerCaller, pauseMs }) {
  const { newCallIdentity, callHookPayload, callInfoPayload, jambonzSignatureHeader } = require(join(dist, 'libs/telephony/src/simulator/index.js'));
  const waiting = new Map();
  const socket = await openLive({
    port,
    host,
    token,
    onEvent: (message, received) => {
      if (message.type !== 'call.ended') return;
      const entry = waiting.get(message.payload?.callSid);
      if (entry) entry(received);
    },
  });
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency + 8 });
  const errorSamples = new Map();
  let errors = 0;
  const fail = (reason) => {
    errors++;
    errorSamples.set(reason, (errorSamples.get(reason) ?? 0) + 1);
    return false;
  };
  const post = (path, payload) =>
    new Promise((done) => {
      const body = JSON.stringify(payload);
      const req = request(
        {
          agent,
          host: '127.0.0.1',
          port,
          method: 'POST',
          path,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'jambonz-signature': jambonzSignatureHeader(target.secret, body, Math.floor(Date.now() / 1000)) },
        },
        (res) => {
          res.resume();
          res.on('end', () => done(res.statusCode >= 200 && res.statusCode < 300 ? true : fail(`${path}: HTTP ${res.statusCode}`)));
        },
      );
      req.setTimeout(EVENT_TIMEOUT_MS, () => req.destroy(new Error('no answer')));
      req.on('error', (error) => done(fail(`${path}: ${error.message}`)));
      req.end(body);
    });

  const latencies = [];
  let missed = 0;
  let calls = 0;
  const oneCall = async () => {
    const from = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const call = newCallIdentity({ from, to: target.number, accountSid: target.accountSid, language: 'en-US' });
    if (!(await post('/hooks/jambonz/call', callHookPayload(call)))) return;
    const inProgress = { status: 'in-progress', sipStatus: 200, sipReason: 'OK' };
    for (const text of TURNS) {
      await pause(pauseMs);
      const speech = { language_code: 'en-US', channel_tag: 1, is_final: true, alternatives: [{ confidence: 0.92, transcript: text }] };
      await post('/hooks/jambonz/turn', { ...callInfoPayload(call, inProgress), reason: 'speechDetected', speech });
    }
    await pause(pauseMs);
    const heard = new Promise((done) => {
      const timer = setTimeout(() => done(null), EVENT_TIMEOUT_MS);
      waiting.set(call.callSid, (at) => (clearTimeout(timer), done(at)));
    });
    const sent = performance.now();
    const ok = await post('/hooks/jambonz/status', callInfoPayload(call, { status: 'completed', sipStatus: 200, sipReason: 'OK', duration: 42 }));
    const at = ok ? await heard : null;
    waiting.delete(call.callSid);
    calls++;
    if (at === null) missed++;
    else latencies.push(at - sent);
  };

  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        await pause([0, pauseMs[1] * 2]);
        for (let i = 0; i < callsPerCaller; i++) await oneCall();
      }),
    );
  } finally {
    socket.close();
    agent.destroy();
  }
  return { latencies: latencies.sort((a, b) => a - b), calls, missed, errors, errorSamples: [...errorSamples].map(([r, n]) => `${n}× ${r}`), elapsedMs: performance.now() - started };
}

/**
 * The floor: `concurrency` publishers at once on one Redis channel, each publishing `messagesPerSender`
 * messages one after another with the calls' pauses, each timed from PUBLISH to its arrival at one subscriber.
 * @returns {Promise<{ latencies: number[], missed: number }>}
 */
export async function redisPubSubLatency({ redisUrl, concurrency, messagesPerSender, pauseMs }) {
  const { Redis } = require('ioredis');
  const channel = `tero-bench-live-${randomBytes(4).toString('hex')}`;
  const publisher = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const subscriber = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await Promise.all([publisher.connect(), subscriber.connect()]);
  const waiting = new Map();
  subscriber.on('message', (_channel, message) => {
    const received = performance.now();
    const done = waiting.get(JSON.parse(message).id);
    if (done) done(received);
  });
  await subscriber.subscribe(channel);
  const latencies = [];
  let missed = 0;
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async (_, sender) => {
        await pause([0, pauseMs[1] * 2]);
        for (let i = 0; i < messagesPerSender; i++) {
          await pause(pauseMs);
          const id = `${sender}-${i}`;
          const heard = new Promise((done) => {
            const timer = setTimeout(() => done(null), EVENT_TIMEOUT_MS);
            waiting.set(id, (at) => (clearTimeout(timer), done(at)));
          });
          const sent = performance.now();
          await publisher.publish(channel, JSON.stringify({ id, type: 'call.ended', payload: { callSid: id, outcome: 'answered' } }));
          const at = await heard;
          waiting.delete(id);
          if (at === null) missed++;
          else latencies.push(at - sent);
        }
      }),
    );
  } finally {
    subscriber.disconnect();
    publisher.disconnect();
  }
  return { latencies: latencies.sort((a, b) => a - b), missed };
}
