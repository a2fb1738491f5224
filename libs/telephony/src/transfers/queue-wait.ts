import type { ProfileQueue } from '@tero/db';

/** The least time between announcements: jambonz asks the wait hook again after each round. */
const MIN_ANNOUNCE_EVERY_SECONDS = 5;
/** An announcement due within this many seconds is made now rather than after one more short round. */
const ANNOUNCE_SLACK_SECONDS = 2;
/** jambonz plays half a second of silence before it asks the wait hook for the next round. */
export const WAIT_ROUND_GAP_SECONDS = 0.5;
/** Speech rate of the estimate: about 150 words a minute, a synthesizer's usual pace. */
const WORDS_PER_SECOND = 2.5;

/** What one wait-hook answer does. */
export type WaitRound =
  | { leave: true }
  | {
      leave: false;
      /** Whether the position is announced at the start of the round. */
      announce: boolean;
      /** Seconds of hold music (or silence) after the announcement; 0: the announcement alone. */
      seconds: number;
      /** Seconds until jambonz asks the wait hook again: the announcement, the hold and the gap before the next round. */
      roundSeconds: number;
    };

/**
 * How long a sentence takes to say, in seconds (whole, rounded up): words at about 150 a minute, SSML
 * tags left out. Synthesizers differ a little; the queue plan needs the order of magnitude, so that a
 * caller does not wait the announcements on top of the maximum.
 */
export function estimateSpeechSeconds(text: string): number {
  // Counted in place (every turn estimates its prompt): SSML tags, rare here, take the longer way.
  const words = text.includes('<') ? text.replace(/<[^>]+>/g, ' ').split(/\s+/).filter(Boolean).length : countWords(text);
  return words === 0 ? 0 : Math.ceil(words / WORDS_PER_SECOND);
}

/** Runs of characters other than white space (as a regular expression's `\s` sees it), without making them. */
function countWords(text: string): number {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const space = isSpace(text.charCodeAt(i));
    if (!space && !inWord) words++;
    inWord = !space;
  }
  return words;
}

/** `\s` in a regular expression: ASCII white space, no-break spaces, Unicode space separators, line and paragraph separators, BOM. */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 160) return false;
  return c === 160 || c === 5760 || (c >= 8192 && c <= 8202) || c === 8232 || c === 8233 || c === 8239 || c === 8287 || c === 12288 || c === 65279;
}

/**
 * Plans one round of a caller's wait in the queue from what jambonz tells the wait hook (`queue_time`,
 * whole seconds since the caller joined), when the position was last announced, and how long the
 * announcement would take to say. The position is announced on the first round and then every
 * `announceEverySeconds`; each round lasts until the next announcement or the maximum wait, whichever is
 * sooner — counting the announcement's speech and jambonz's half second before the next round — so that
 * the caller leaves at the maximum (within about a second: `queue_time` is rounded down, and so is the
 * hold) rather than a few seconds after it. An announcement that would run past the maximum is skipped.
 */
export function planQueueWait(
  settings: Pick<ProfileQueue, 'maxWaitSeconds' | 'announceEverySeconds'>,
  queueTime: number,
  announcedAt: number | null,
  announcementSeconds: number,
): WaitRound {
  const maxWait = Math.max(0, settings.maxWaitSeconds);
  const every = Math.max(MIN_ANNOUNCE_EVERY_SECONDS, settings.announceEverySeconds);
  const left = maxWait - queueTime;
  // Not even a second of hold fits before the next round would start: leave now.
  if (left < WAIT_ROUND_GAP_SECONDS + 1) return { leave: true };
  const sinceAnnounced = announcedAt === null ? Infinity : queueTime - announcedAt;
  const speech = Math.max(0, announcementSeconds);
  const due = sinceAnnounced >= every - ANNOUNCE_SLACK_SECONDS;
  const announce = due && speech + WAIT_ROUND_GAP_SECONDS <= left;
  // A due announcement that does not fit is not made at all: the round then runs to the maximum.
  const untilAnnouncement = announce ? every : due ? Infinity : every - sinceAnnounced;
  const until = Math.min(untilAnnouncement, left);
  const spoken = announce ? speech : 0;
  const seconds = Math.max(0, Math.floor(until - WAIT_ROUND_GAP_SECONDS - spoken));
  // A round with nothing in it would stop jambonz asking: a silent round holds at least a second.
  const hold = announce ? seconds : Math.max(1, seconds);
  return { leave: false, announce, seconds: hold, roundSeconds: spoken + hold + WAIT_ROUND_GAP_SECONDS };
}

/**
 * The seconds a bridged caller waited before a staff phone took them. jambonz's `queue_time` after a
 * bridge counts the conversation too (it tells the action hook once both hung up), and the bridge itself
 * is told to no hook; but the wait hook is asked round after round until then, so the bridge came during
 * the last round heard: between its `queue_time` and the time the next round was due. The middle of that
 * round is the estimate (off by at most half a round), never more than jambonz's total. With no round
 * heard, the caller was taken before the first one.
 */
export function bridgedWaitSeconds(lastRound: { queueTime: number; roundSeconds: number } | null, reportedQueueTime: number): number {
  if (!lastRound) return 0;
  return Math.min(reportedQueueTime, Math.round(lastRound.queueTime + lastRound.roundSeconds / 2));
}
