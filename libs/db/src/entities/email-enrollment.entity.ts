import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';
import { User } from './user.entity';

export const ENROLLMENT_STATUSES = ['active', 'completed', 'unsubscribed', 'stopped'] as const;
export type EnrollmentStatus = (typeof ENROLLMENT_STATUSES)[number];

/**
 * One person enrolled in one e-mail sequence (welcome, checklist reminders, follow-ups). The sweep reads
 * the active ones whose next step is due; the goal event or an unsubscribe ends it. A person is enrolled
 * in a sequence at most once per client, so an event told twice enrolls once.
 */
@Entity({ tableName: 'email_enrollments' })
@Unique({ properties: ['client', 'user', 'sequenceId'] })
@Index({ properties: ['status', 'nextDueAt'] })
export class EmailEnrollment extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @ManyToOne(() => Client, { deleteRule: 'cascade' })
  client!: Client;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: User;

  /** The sequence's id in code: `onboarding.reminders`. */
  @Property({ type: 'string', length: 80 })
  sequenceId!: string;

  @Enum({ items: () => ENROLLMENT_STATUSES, type: 'string', length: 20 })
  status: EnrollmentStatus & Opt = 'active';

  /** Index of the next step to send; equals the number of steps once every one was sent or skipped. */
  @Property({ type: 'integer' })
  nextStep: number & Opt = 0;

  /** When the next step is due; null once nothing is left to send. */
  @Property({ type: 'datetime', nullable: true })
  nextDueAt?: Date | null;

  @Property({ type: 'datetime' })
  startedAt!: Date;

  /** When it left `active` (goal reached, unsubscribed, stopped, or finished). */
  @Property({ type: 'datetime', nullable: true })
  stoppedAt?: Date | null;
}
