import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';
import { User } from './user.entity';

/**
 * `draft` while the client edits it; `published` while calls use it; `superseded` once another version
 * was published after it (kept for history, diff and rollback).
 */
export const PROMPT_VERSION_STATUSES = ['draft', 'published', 'superseded'] as const;
export type PromptVersionStatus = (typeof PROMPT_VERSION_STATUSES)[number];

/** What a scenario run on a version found, stored on it so the page shows it until the text changes. */
export interface PromptScenarioReport {
  /** `running` while the job plays the scenarios; `done` once every one was played; `failed` when the run itself broke. */
  state: 'running' | 'done' | 'failed';
  engineId: string;
  startedAt: string;
  finishedAt: string | null;
  total: number;
  results: { scenarioId: string; passed: boolean; misses: string[]; failingTurn: string | null }[];
  /** Why the run broke, when `state` is `failed`. */
  error?: string;
}

/**
 * One version of a client's agent prompt for one locale: the system prompt and greeting templates
 * (Handlebars over the client's facts), numbered 1, 2, … per client and locale. `slot` equals the status
 * for the draft and the published version and is null once superseded: its unique index makes "at most one
 * draft and one published version per client and locale" a fact the database keeps, whatever races.
 */
@Entity({ tableName: 'prompt_versions' })
@Unique({ properties: ['client', 'locale', 'number'] })
@Unique({ properties: ['client', 'locale', 'slot'] })
@Index({ properties: ['client', 'locale', 'status'] })
export class PromptVersion extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @ManyToOne(() => Client, { deleteRule: 'cascade' })
  client!: Client;

  @Property({ type: 'string', length: 10 })
  locale!: string;

  @Property({ type: 'integer' })
  number!: number;

  @Property({ type: 'text' })
  systemPrompt!: string;

  @Property({ type: 'text' })
  greeting!: string;

  @Enum({ items: () => PROMPT_VERSION_STATUSES, type: 'string', length: 12 })
  status: PromptVersionStatus & Opt = 'draft';

  /** `draft` or `published` while the version holds that place; null once superseded. */
  @Property({ type: 'string', length: 12, nullable: true })
  slot?: 'draft' | 'published' | null;

  /** Who saved it; null once that user is deleted (the name stays). */
  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  author?: User | null;

  @Property({ type: 'string', length: 200 })
  authorName!: string;

  @Property({ type: 'string', length: 500 })
  note: string & Opt = '';

  /** For a rollback: the version it copies. */
  @Property({ type: 'integer', nullable: true })
  copiedFrom?: number | null;

  @Property({ type: 'datetime', nullable: true })
  publishedAt?: Date | null;

  @Property({ type: 'json', nullable: true })
  scenarioReport?: PromptScenarioReport | null;
}
