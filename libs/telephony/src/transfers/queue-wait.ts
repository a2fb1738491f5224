import type { ProfileQueue } from '@tero/db';

/** The least a wait round lasts: jambonz asks the wait hook again after each round (with half a second of silence between). */
const MIN_ROUND_SECONDS = 5;
/** An announcement due within this many seconds is made now rather than after one more short round. */
const ANNOUNCE_SLACK_SECONDS = 2;

/** What one wait-hook answer does. */
export type WaitRound = { leave: true } | { leave: false; announce: boolean; seconds: number };

/**
 * Plans one round of a caller's wait in the queue from what jambonz tells the wait hook (`queue_time`,
 * seconds since the caller joined) and when the position was last announced: the caller leaves once the
 * client's maximum wait is reached; the position is announced on the first round and then every
 * `announceEverySeconds`; each round of music lasts until the next announcement or the maximum wait,
 * whichever is sooner, so that both happen on time without the wait hook being asked every second.
 */
export function planQueueWait(settings: Pick<ProfileQueue, 'maxWaitSeconds' | 'announceEverySeconds'>, queueTime: number, announcedAt: number | null): WaitRound {
  const maxWait = Math.max(0, settings.maxWaitSeconds);
  const every = Math.max(MIN_ROUND_SECONDS, settings.announceEverySeconds);
  if (queueTime >= maxWait) return { leave: true };
  const sinceAnnounced = announcedAt === null ? Infinity : queueTime - announcedAt;
  const announce = sinceAnnounced >= every - ANNOUNCE_SLACK_SECONDS;
  const untilAnnouncement = announce ? every : every - sinceAnnounced;
  const seconds = Math.max(1, Math.min(untilAnnouncement, maxWait - queueTime));
  return { leave: false, announce, seconds };
}
