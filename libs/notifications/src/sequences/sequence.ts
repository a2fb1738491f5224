import type { Brand, Client, EmailEnrollment, User } from '@tero/db';
import type { TenantContext } from '@tero/sdk';

/**
 * What a message is, for the reader's consent: `transactional` mail (account, billing, calls) always goes;
 * `onboarding` and `marketing` mail carries an unsubscribe link and stops for whoever unsubscribed.
 */
export type EmailCategory = 'transactional' | 'onboarding' | 'marketing';
export const EMAIL_CATEGORIES: readonly EmailCategory[] = ['transactional', 'onboarding', 'marketing'];

/** Everything a step's condition or words may need about the person and their business. */
export interface StepContext {
  ctx: TenantContext;
  brand: Brand;
  client: Client;
  user: User;
  enrollment: EmailEnrollment;
  now: Date;
}

export interface SequenceStep {
  /** Words in the `emails` namespace: `onboarding.reminderDay1`. */
  templateId: string;
  /** When the step is due, counted from the enrollment. */
  delayMs: number;
  /** Path on the client's dashboard the button leads to (`/setup`); no button without it. */
  ctaPath?: string;
  /** Sent only when this says so at the time it is due; otherwise skipped (and the sequence goes on). */
  condition?: (context: StepContext) => boolean | Promise<boolean>;
}

/**
 * A sequence: steps sent to one person at set delays after they were enrolled, until the goal event
 * (published on the bus for their client) ends it, or they unsubscribe from its category.
 */
export interface EmailSequence {
  /** Dotted, stable (stored with every enrollment): `onboarding.reminders`. */
  id: string;
  category: EmailCategory;
  /** The event type that ends the sequence for the client it names: `onboarding.completed`. */
  goalEvent?: string;
  /**
   * Whether the goal is reached, read from stored state before each step: the backstop for a goal event
   * nobody heard (events are not durable). True ends the enrollment as completed, sending nothing.
   */
  goalReached?: (context: StepContext) => boolean | Promise<boolean>;
  steps: SequenceStep[];
}
