import { WAIT_ROUND_GAP_SECONDS, bridgedWaitSeconds, estimateSpeechSeconds, planQueueWait } from './queue-wait';

const SETTINGS = { maxWaitSeconds: 120, announceEverySeconds: 30 };

/**
 * A caller's whole wait as jambonz plays it: half a second of silence, the wait hook asked with the whole
 * seconds elapsed, the announcement spoken for `speechSeconds`, the hold, and again, until `leave`.
 * Returns the elapsed seconds (exact) when the caller left, and when each announcement started.
 */
function playWait(settings: { maxWaitSeconds: number; announceEverySeconds: number }, speechSeconds: number) {
  let elapsed = 0;
  let announcedAt: number | null = null;
  const announcements: number[] = [];
  for (let rounds = 0; rounds < 1000; rounds++) {
    elapsed += WAIT_ROUND_GAP_SECONDS;
    const queueTime = Math.floor(elapsed);
    const round = planQueueWait(settings, queueTime, announcedAt, speechSeconds);
    if (round.leave) return { leftAt: elapsed, announcements };
    if (round.announce) {
      announcedAt = queueTime;
      announcements.push(elapsed);
      elapsed += speechSeconds;
    }
    elapsed += round.seconds;
  }
  throw new Error('the wait never ended');
}

describe('planQueueWait', () => {
  it('announces on the first round and holds until the next announcement is due, counting the speech and the gap', () => {
    expect(planQueueWait(SETTINGS, 0, null, 4)).toEqual({ leave: false, announce: true, seconds: 25, roundSeconds: 29.5 });
  });

  it('announces again once the interval has passed (a second or two early counts), not before', () => {
    expect(planQueueWait(SETTINGS, 31, 0, 4)).toMatchObject({ announce: true, seconds: 25 });
    expect(planQueueWait(SETTINGS, 29, 0, 4)).toMatchObject({ announce: true, seconds: 25 });
    // A round cut short waits out the rest of the interval, less the gap before the next round.
    expect(planQueueWait(SETTINGS, 12, 0, 4)).toEqual({ leave: false, announce: false, seconds: 17, roundSeconds: 17.5 });
  });

  it('cuts the last round so that the next one starts at the maximum wait, and leaves once it is reached', () => {
    expect(planQueueWait(SETTINGS, 100, 90, 4)).toEqual({ leave: false, announce: false, seconds: 19, roundSeconds: 19.5 });
    expect(planQueueWait(SETTINGS, 119, 90, 4)).toEqual({ leave: true });
    expect(planQueueWait(SETTINGS, 120, 90, 4)).toEqual({ leave: true });
    expect(planQueueWait(SETTINGS, 500, 90, 4)).toEqual({ leave: true });
  });

  it('skips an announcement that would run past the maximum wait', () => {
    expect(planQueueWait(SETTINGS, 116, 86, 4)).toEqual({ leave: false, announce: false, seconds: 3, roundSeconds: 3.5 });
    expect(planQueueWait(SETTINGS, 114, 84, 4)).toEqual({ leave: false, announce: true, seconds: 1, roundSeconds: 5.5 });
  });

  it('never plans a silent round shorter than a second, nor announcements more often than every few seconds', () => {
    expect(planQueueWait({ maxWaitSeconds: 60, announceEverySeconds: 0 }, 0, null, 2)).toEqual({ leave: false, announce: true, seconds: 2, roundSeconds: 4.5 });
    expect(planQueueWait({ maxWaitSeconds: 60, announceEverySeconds: 5 }, 0, null, 6)).toEqual({ leave: false, announce: true, seconds: 0, roundSeconds: 6.5 });
  });

  it.each([
    [60, 20, 4],
    [60, 30, 4],
    [120, 30, 7],
    [45, 10, 3],
    [90, 25, 0],
  ])('a caller with a %i s maximum, announced every %i s for %i s, leaves at the maximum (within a second)', (maxWaitSeconds, announceEverySeconds, speech) => {
    const { leftAt, announcements } = playWait({ maxWaitSeconds, announceEverySeconds }, speech);
    expect(Math.abs(leftAt - maxWaitSeconds)).toBeLessThanOrEqual(1);
    // Announcements keep their rhythm too: consecutive ones are the interval apart, within a second.
    for (let i = 1; i < announcements.length; i++) expect(Math.abs(announcements[i]! - announcements[i - 1]! - announceEverySeconds)).toBeLessThanOrEqual(1);
  });
});

describe('estimateSpeechSeconds', () => {
  it('counts words at about 150 a minute, rounded up, leaving SSML tags out', () => {
    expect(estimateSpeechSeconds('You are number 3 in line. Thank you for holding.')).toBe(4);
    expect(estimateSpeechSeconds('<speak>Hello <break time="1s"/> there</speak>')).toBe(1);
    expect(estimateSpeechSeconds('   ')).toBe(0);
  });

  it('counts words as splitting on white space would, whatever the spaces', () => {
    const texts = ['', 'one', ' one  two\tthree\nfour ', 'a\u00a0b\u2009c\u3000d\ufeffe', '¿Cuál es su horario?', 'x '.repeat(40), 'mixed\u2028lines\u2029here'];
    for (const text of texts) {
      const words = text.split(/\s+/).filter(Boolean).length;
      expect(estimateSpeechSeconds(text)).toBe(words === 0 ? 0 : Math.ceil(words / 2.5));
    }
  });
});

describe('bridgedWaitSeconds', () => {
  it('places the bridge in the middle of the last round heard, never beyond what jambonz counted', () => {
    expect(bridgedWaitSeconds({ queueTime: 31, roundSeconds: 29.5 }, 200)).toBe(46);
    expect(bridgedWaitSeconds({ queueTime: 31, roundSeconds: 29.5 }, 40)).toBe(40);
    expect(bridgedWaitSeconds(null, 95)).toBe(0);
  });
});
