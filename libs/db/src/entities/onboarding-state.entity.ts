import type { Opt } from '@mikro-orm/core';
import { Entity, ManyToOne, OneToOne, Property } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';

/** When a wizard step was completed and by whom (a user id, or `system` for steps completed by an event). */
export interface OnboardingStepMark {
  at: string;
  by: string;
}

/**
 * A client's setup wizard: which steps are done, where the owner is, when it all ended. `version` grows by
 * one on every save; a form carries the version it was rendered with, so a double submit or a second tab
 * is told "already saved" instead of writing twice.
 */
@Entity({ tableName: 'onboarding_states' })
export class OnboardingState extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @OneToOne(() => Client, { owner: true, deleteRule: 'cascade', unique: true })
  client!: Client;

  /** Completed steps by step id. */
  @Property({ type: 'json' })
  steps: Record<string, OnboardingStepMark> & Opt = {};

  /** The step the owner is on (or goes back to). */
  @Property({ type: 'string', length: 30 })
  currentStep: string & Opt = 'business';

  @Property({ type: 'datetime', nullable: true })
  completedAt?: Date | null;

  /** Optimistic concurrency: every save is a conditional update on the version it read. */
  @Property({ type: 'integer' })
  version: number & Opt = 1;
}
