import { NOMINAL_PLAY_SECONDS, dequeueScriptFor, queuePositionAt, queueScriptFor, waitVerbMs } from './simulated-queue';

describe('simulated queues', () => {
  it('moves a caller up as staff take the callers ahead before bridging it, and not at all when nobody takes anyone', () => {
    const bridged = queueScriptFor({ result: 'bridged', afterSeconds: 90, ahead: 2 }, 'q');
    expect([0, 29_999, 30_000, 59_999, 60_000, 89_999].map((ms) => queuePositionAt(bridged, ms))).toEqual([2, 2, 1, 1, 0, 0]);
    const abandoned = queueScriptFor({ result: 'hangup', afterSeconds: 90, ahead: 2 }, 'q');
    expect(queuePositionAt(abandoned, 89_000)).toBe(2);
    expect(queuePositionAt(queueScriptFor({ result: 'bridged', afterSeconds: 0, ahead: 3 }, 'q'), 0)).toBe(0);
  });

  it('gives each wait verb its length on the simulator\'s clock', () => {
    expect(waitVerbMs('pause', { length: 20 })).toBe(20_000);
    expect(waitVerbMs('say', { text: 'You are number 3 in line.' })).toBe(3_000);
    expect(waitVerbMs('say', { text: '<speak>Hi</speak>' })).toBe(1_000);
    expect(waitVerbMs('play', { url: 'a.mp3' })).toBe(NOMINAL_PLAY_SECONDS * 1000);
    expect(waitVerbMs('play', { url: ['a.mp3', 'b.mp3'], loop: 2 })).toBe(4 * NOMINAL_PLAY_SECONDS * 1000);
    expect(waitVerbMs('play', { url: 'a.mp3', loop: 'forever' })).toBe(Infinity);
    expect(waitVerbMs('play', { url: 'a.mp3', loop: 'forever', timeoutSecs: 16 })).toBe(16_000);
    expect(waitVerbMs('play', { url: 'a.mp3', loop: 0 })).toBe(NOMINAL_PLAY_SECONDS * 1000);
  });

  it('fills in the defaults and names a wrong field', () => {
    expect(queueScriptFor(undefined, 'q')).toEqual({ result: 'hangup', afterSeconds: 600, ahead: 0, staff: undefined, talkSeconds: 60 });
    expect(queueScriptFor((name) => ({ result: 'bridged', afterSeconds: name.length }), 'abc')).toMatchObject({ afterSeconds: 3 });
    expect(dequeueScriptFor(undefined, 'q')).toEqual({ result: 'timeout', caller: undefined, talkSeconds: 60 });
    expect(() => queueScriptFor({ result: 'bridged', afterSeconds: Number.NaN }, 'q')).toThrow('queue.afterSeconds must be a number of seconds, 0 or more');
    expect(() => queueScriptFor({ result: 'bridged', afterSeconds: 5, talkSeconds: -2 }, 'q')).toThrow('queue.talkSeconds');
    expect(() => dequeueScriptFor({ result: 'complete', talkSeconds: Infinity }, 'q')).toThrow('dequeue.talkSeconds');
  });
});
