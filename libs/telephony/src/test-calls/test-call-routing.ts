import { z } from 'zod';
import type { DialOutcome, DequeueScript, JambonzSimulatorOptions, QueueScript } from '../simulator/simulator.types';

/** How the human's phone answers when the agent puts the test caller through (a `dial`). */
export const TRANSFER_CHOICES = ['answered', 'no-answer', 'busy', 'failed'] as const;
export type TransferChoice = (typeof TRANSFER_CHOICES)[number];

/**
 * How a wait in the client's queue ends: a staff member takes the caller (`answered`, after
 * `queueSeconds`), nobody does and the agent takes the caller out at the client's maximum wait
 * (`max-wait`), or the caller gives up (`hangup`, after `queueSeconds`).
 */
export const QUEUE_CHOICES = ['answered', 'max-wait', 'hangup'] as const;
export type QueueChoice = (typeof QUEUE_CHOICES)[number];

/** What a staff phone's call finds in the queue: a caller waiting (taken and bridged), or nobody. */
export const STAFF_QUEUE_CHOICES = ['caller-waiting', 'empty'] as const;
export type StaffQueueChoice = (typeof STAFF_QUEUE_CHOICES)[number];

/** The outcomes a test call plays when the agent transfers, queues or a staff phone calls; each is optional. */
export interface TestCallRouting {
  transfer?: TransferChoice;
  queue?: QueueChoice;
  /** Seconds in the queue before it is `answered` or the caller hangs up (default 20). */
  queueSeconds?: number;
  staffQueue?: StaffQueueChoice;
}

/** Longest queue time a test may ask for; a client's maximum wait takes the caller out before a longer one matters. */
export const MAX_TEST_QUEUE_SECONDS = 3600;
const DEFAULT_QUEUE_SECONDS = 20;

const choice = <T extends readonly [string, ...string[]]>(values: T) => z.enum(values, `must be one of ${values.join(', ')}`);

/** The routing choices as the API and the CLI accept them (unknown keys refused). */
export const testCallRoutingSchema = z
  .strictObject({
    transfer: choice(TRANSFER_CHOICES).optional(),
    queue: choice(QUEUE_CHOICES).optional(),
    queueSeconds: z
      .number('must be a number of seconds')
      .int('must be whole seconds')
      .min(0, 'must be 0 or more')
      .max(MAX_TEST_QUEUE_SECONDS, `must be at most ${MAX_TEST_QUEUE_SECONDS}`)
      .optional(),
    staffQueue: choice(STAFF_QUEUE_CHOICES).optional(),
  })
  .superRefine((routing, ctx) => {
    // The maximum wait is the client's setting: a time of the test's own would contradict it.
    if (routing.queueSeconds !== undefined && (routing.queue === undefined || routing.queue === 'max-wait'))
      ctx.addIssue({ code: 'custom', path: ['queueSeconds'], message: 'goes with queue answered or hangup' });
  });

const DIAL: Record<TransferChoice, DialOutcome> = { answered: 'completed', 'no-answer': 'no-answer', busy: 'busy', failed: 'failed' };

/**
 * The simulator options that play the chosen outcomes. An unchosen outcome keeps the simulator's own
 * default (a transfer answered, a queue nobody takes, a staff phone finding nobody). `max-wait` is a queue
 * nobody takes for longer than any client waits, so the agent's own maximum wait decides when it ends.
 */
export function simulatorRouting(routing: TestCallRouting): Pick<JambonzSimulatorOptions, 'dial' | 'queue' | 'dequeue'> {
  const options: Pick<JambonzSimulatorOptions, 'dial' | 'queue' | 'dequeue'> = {};
  if (routing.transfer) {
    const outcome = DIAL[routing.transfer];
    options.dial = () => outcome;
  }
  if (routing.queue) {
    const seconds = routing.queueSeconds ?? DEFAULT_QUEUE_SECONDS;
    const script: QueueScript =
      routing.queue === 'answered'
        ? { result: 'bridged', afterSeconds: seconds }
        : routing.queue === 'hangup'
          ? { result: 'hangup', afterSeconds: seconds }
          : { result: 'hangup', afterSeconds: MAX_TEST_QUEUE_SECONDS * 2 };
    options.queue = script;
  }
  if (routing.staffQueue) {
    const script: DequeueScript = routing.staffQueue === 'caller-waiting' ? { result: 'complete' } : { result: 'timeout' };
    options.dequeue = script;
  }
  return options;
}
